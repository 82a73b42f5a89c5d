#!/usr/bin/env python3
"""gen-camdb.py — derives the detector's camera database from public data.

Inputs (src/camdb/data/):
  rtsp-patterns.tsv, rtsp-ports.tsv   CC0 tables of RTSP paths and ports for 162 brands
                                      (ch-bas/cctv-camera-database, see README.md there)
  oui-orgs.tsv                        which IEEE registrants are which brand (curated facts)
  aliases.tsv                         other words that name a brand in hints
  /usr/share/ieee-data/oui.txt        the IEEE MA-L registry (Debian package ieee-data)
Outputs:
  src/camdb/table.rs                  the compiled tables (brands, OUIs, ports, paths)
  src/camdb/data/coverage.tsv         for every row of both TSVs: what became of it, or why
                                      it was left out

Usage: scripts/gen-camdb.py            write the outputs
       scripts/gen-camdb.py --check    exit 1 if the outputs differ from what would be written

Rules (docs/discovery.md, "Camera database", says the same in prose):
  * Paths: placeholders are expanded for channel 1 and streams 0/1 (<N>, [CHANNEL], {channel}
    and [CHANNEL+1] → the first channel; {NN} → 01; <M> → 0 and 1; {codec} → h264 and h265;
    <uniq>, <x>, <z> → 1). Credentials in a URL stay as markers ([USERNAME], [PASSWORD],
    [AUTH] = base64 of user:password) that the prober fills from the credential it tries.
    Placeholders with no documented default (<res>, <profile>, <code>, <WxH>, {token},
    {streamToken}) leave the row out. A missing leading '/' is added.
  * One entry per distinct path. Its brands are every brand listing it; its tier is
    "template" when a verified template of some brand gives it, else "lead"; its role is main
    when some template calls it a main stream, any when a lead or a generic template lists it,
    sub when only sub (or third) templates do. Its weight is its number of brands.
  * Order: templates first, by the number of brands whose verified template it is, then by
    its number of brands in all; then leads by their number of brands; ties keep the order of
    first appearance in the data.
  * Default ports: every port that at least 2 brands state, except ports the evidence calls
    RTSPS (TLS, which the prober does not speak); most brands first, but port 80 last (it is
    the web port of nearly every device, so it is probed for RTSP only after the others).
"""
import base64  # noqa: F401  (documents what [AUTH] means; the prober fills it)
import csv
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "src", "camdb", "data")
OUT_RS = os.path.join(ROOT, "src", "camdb", "table.rs")
OUT_COV = os.path.join(DATA, "coverage.tsv")
OUI_TXT = os.environ.get("OUI_TXT", "/usr/share/ieee-data/oui.txt")
MIN_PORT_BRANDS = 2

# Placeholder → list of expansions (None: no documented default, the row is left out).
EXPAND = {
    "<N>": ["1"], "[CHANNEL]": ["1"], "{channel}": ["01"], "[CHANNEL+1]": ["1"],
    "{NN}": ["01"], "<M>": ["0", "1"], "{codec}": ["h264", "h265"],
    "<uniq>": ["1"], "<x>": ["1"], "<z>": ["1"],
    "{user}": ["[USERNAME]"], "{pass}": ["[PASSWORD]"],
    "[USERNAME]": ["[USERNAME]"], "[PASSWORD]": ["[PASSWORD]"], "[AUTH]": ["[AUTH]"],
}
WHY_NOT = {
    "<res>": "resolution placeholder <res> has no documented default",
    "<profile>": "user-defined stream profile name <profile>",
    "<code>": "device-specific code <code>",
    "<WxH>": "resolution placeholder <WxH> has no documented default",
    "{token}": "per-device stream token {token} (only the vendor's app knows it)",
    "{streamToken}": "per-device stream token {streamToken} (only the vendor's app knows it)",
}
PLACEHOLDER = re.compile(r"<[^<>/]+>|\[[A-Z+0-9]+\]|\{[A-Za-z]+\}")
# Rows whose text is an artefact of scraping or redaction, not a URL a camera serves.
ARTEFACTS = [
    (re.compile(r"--rtp-caching"), "contains a VLC player option (--rtp-caching), not a URL"),
    (re.compile(r"channel=\[USERNAME\]"), "redaction artefact: the channel number became [USERNAME]"),
    (re.compile(r"^/doc/"), "a web page of the camera (/doc/...), not a stream"),
    (re.compile(r"\s"), "contains white space"),
]


def read_tsv(name):
    with open(os.path.join(DATA, name), newline="", encoding="utf-8") as f:
        rows = [r for r in csv.reader((l for l in f if not l.startswith("#")), delimiter="\t")]
    return rows[0], rows[1:]


def role_of(stream):
    s = stream.lower()
    if "sub" in s or s.startswith("third"):
        return "sub"
    if "main" in s:
        return "main"
    return "any"


def expand(path):
    """All expansions of `path`, or (None, reason)."""
    for bad, why in ARTEFACTS:
        if bad.search(path):
            return None, why
    found = PLACEHOLDER.findall(path)
    for ph in found:
        if ph in WHY_NOT:
            return None, WHY_NOT[ph]
        if ph not in EXPAND:
            return None, f"unknown placeholder {ph}"
    outs = [path]
    for ph in dict.fromkeys(found):
        outs = [o.replace(ph, e) for o in outs for e in EXPAND[ph]]
    outs = [o if o.startswith("/") else "/" + o for o in outs]
    return list(dict.fromkeys(outs)), None


def brand_list():
    """(id, display name) in data order; names come from the patterns table, else the id."""
    _, rows = read_tsv("rtsp-patterns.tsv")
    names = {}
    for r in rows:
        names.setdefault(r[1], r[0])
        if not names[r[1]] and r[0]:
            names[r[1]] = r[0]
    _, prow = read_tsv("rtsp-ports.tsv")
    for r in prow:
        names.setdefault(r[0], "")
    return sorted(names), names


def needles(bid, name, aliases):
    """Lower-case token strings that name the brand in a hint text."""
    norm = lambda s: " ".join(re.findall(r"[a-z0-9]+", s.lower()))
    out = {norm(bid)}
    if name:
        out.add(norm(name.split("(")[0]))
    out.update(norm(a) for a in aliases.get(bid, []))
    return sorted(n for n in out if n)


def rust_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    check = "--check" in sys.argv[1:]
    ids, names = brand_list()
    index = {b: i for i, b in enumerate(ids)}
    assert len(ids) <= 255, "brand indexes are u8"
    cov = [["table", "row", "brand_id", "what", "outcome"]]

    # ---- paths ----------------------------------------------------------------------------
    header, rows = read_tsv("rtsp-patterns.tsv")
    col = {h: i for i, h in enumerate(header)}
    entries = {}  # path -> dict
    order = []
    for n, r in enumerate(rows, start=2):
        bid, kind, path = r[col["brand_id"]], r[col["kind"]], r[col["path"]]
        verified = r[col["verified"]] == "true"
        outs, why = expand(path)
        if outs is None:
            cov.append(["patterns", str(n), bid, path, "left out: " + why])
            continue
        for p in outs:
            e = entries.get(p)
            if e is None:
                e = entries[p] = {"brands": [], "tbrands": [], "lbrands": [], "template": False,
                                  "roles": set()}
                order.append(p)
            if kind == "template" and verified:
                e["template"] = True
                e["roles"].add(role_of(r[col["stream"]]))
                if bid not in e["tbrands"]:
                    e["tbrands"].append(bid)
            elif bid not in e["lbrands"]:
                e["lbrands"].append(bid)
            if bid not in e["brands"]:
                e["brands"].append(bid)
        cov.append(["patterns", str(n), bid, path, "entry: " + " | ".join(outs)])

    def role(e):
        # What a brand's own template says wins over leads, which say nothing about roles.
        if "main" in e["roles"]:
            return "MAIN"
        if "sub" in e["roles"]:
            return "SUB"
        return "ANY"

    first = {p: i for i, p in enumerate(order)}
    ranked = sorted(order, key=lambda p: (not entries[p]["template"], -len(entries[p]["tbrands"]),
                                          -len(entries[p]["brands"]), first[p]))

    # ---- ports ----------------------------------------------------------------------------
    pheader, prow = read_tsv("rtsp-ports.tsv")
    port_brands, port_tls, brand_ports = {}, {}, {}
    for r in prow:
        bid, port, ev = r[0], int(r[1]), r[2]
        port_brands.setdefault(port, set()).add(bid)
        brand_ports.setdefault(bid, []).append(port)
        if "rtsps" in ev.lower():
            port_tls.setdefault(port, set()).add(bid)
    default_ports = []
    for port in sorted(port_brands, key=lambda p: (p == 80, -len(port_brands[p]), p)):
        plain = port_brands[port] - port_tls.get(port, set())
        if len(plain) >= MIN_PORT_BRANDS:
            default_ports.append(port)
    for n, r in enumerate(prow, start=2):
        port = int(r[1])
        if port in default_ports:
            out = "default port"
        elif r[0] in port_tls.get(port, set()):
            out = "left out: RTSPS (TLS) port, which the prober does not speak"
        else:
            k = len(port_brands[port] - port_tls.get(port, set()))
            out = f"left out of the defaults: stated by {k} brand{'s' if k != 1 else ''} (RTSP_PORTS=+{port} adds it)"
        cov.append(["ports", str(n), r[0], str(port), out])

    # ---- OUIs -----------------------------------------------------------------------------
    _, orgs = read_tsv("oui-orgs.tsv")
    pats = [(b, re.compile(rx, re.I)) for b, rx, _ in orgs]
    for b, _ in pats:
        assert b in index, f"oui-orgs.tsv: unknown brand {b}"
    ouis = {}
    with open(OUI_TXT, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = re.match(r"^([0-9A-F]{2})-([0-9A-F]{2})-([0-9A-F]{2})\s+\(hex\)\s+(.*\S)", line)
            if not m:
                continue
            org = m.group(4)
            for b, rx in pats:
                if rx.search(org):
                    ouis[int(m.group(1) + m.group(2) + m.group(3), 16)] = b
                    break
    per_brand = {}
    for o, b in ouis.items():
        per_brand[b] = per_brand.get(b, 0) + 1
    for b, _ in pats:
        cov.append(["oui", "-", b, "", f"{per_brand.get(b, 0)} registrations"])

    _, arows = read_tsv("aliases.tsv")
    aliases = {}
    for b, w, _ in arows:
        assert b in index, f"aliases.tsv: unknown brand {b}"
        aliases.setdefault(b, []).append(w)

    # ---- Rust -----------------------------------------------------------------------------
    # Compact on purpose (the issue budgets 64 KiB for the tables): paths are slices of one
    # string, brand lists slices of one byte array; the comment on each row is the readable form.
    L = []
    L.append("// @generated by scripts/gen-camdb.py from src/camdb/data/ and IEEE's oui.txt: do not edit.")
    L.append("// Data derived from \"cctv-camera-database\" by ch-bas (CC0-1.0) and the IEEE MA-L registry.")
    L.append("use super::{BrandRow, PathRow, ANY, LEAD, MAIN, SUB, TEMPLATE};")
    L.append("")
    L.append("/// Every brand of the data, sorted by id (a brand's index is its [`super::Brand`]): its id,")
    L.append("/// the words that name it in hints (`|`-separated, lower-case tokens), its plain-RTSP ports.")
    tls_of = lambda b: set(port_tls)  # a port the evidence calls RTSPS is no plain-RTSP hint
    L.append("pub(super) const BRANDS: &[BrandRow] = &[")
    for i, b in enumerate(ids):
        nd = "|".join(needles(b, names[b], aliases))
        ports = ", ".join(str(p) for p in sorted(set(brand_ports.get(b, []))) if p not in tls_of(b))
        L.append(f"    BrandRow {{ id: {rust_str(b)}, words: {rust_str(nd)}, ports: &[{ports}] }}, // {i}")
    L.append("];")
    L.append("")
    L.append(f"/// Plain-RTSP ports that at least {MIN_PORT_BRANDS} brands state, most brands first, 80 last.")
    L.append(f"pub(super) const DEFAULT_PORTS: &[u16] = &[{', '.join(map(str, default_ports))}];")
    L.append("")
    L.append("/// IEEE MA-L registrations of the brands: `OUI << 8 | brand index`, sorted.")
    L.append("pub(super) const OUIS: &[u32] = &[")
    items = sorted(ouis.items())
    for i in range(0, len(items), 8):
        L.append("    " + " ".join(f"0x{o:06x}{index[b]:02x}," for o, b in items[i:i + 8]))
    L.append("];")
    L.append("")
    text, blist, prow = [], [], []
    off = 0
    for p in ranked:
        e = entries[p]
        tb = [index[b] for b in e["tbrands"]]
        lb = [index[b] for b in e["lbrands"] if b not in e["tbrands"]]
        assert len(p) < 256 and off < 65536 and len(blist) < 65536 and len(tb) < 256 and len(lb) < 256
        flags = f"{role(e)} | {'TEMPLATE' if e['template'] else 'LEAD'}"
        prow.append(f"    PathRow({off}, {len(p)}, {len(blist)}, {len(tb)}, {len(lb)}, {flags}), // {p}")
        text.append(p)
        off += len(p)
        blist.extend(tb + lb)
    L.append("/// The dictionary in its vendor-less order (templates, then leads; most brands first):")
    L.append("/// (offset and length in [`PATH_TEXT`], offset in [`PATH_BRANDS`], template brands, lead")
    L.append("/// brands, role | tier).")
    L.append("pub(super) const PATHS: &[PathRow] = &[")
    L.extend(prow)
    L.append("];")
    L.append("")
    L.append("/// Every path of [`PATHS`], concatenated.")
    L.append("pub(super) const PATH_TEXT: &str = concat!(")
    for t in text:
        L.append(f"    {rust_str(t)},")
    L.append(");")
    L.append("")
    L.append("/// The brands of each path: its template brands, then its lead brands.")
    L.append("pub(super) const PATH_BRANDS: &[u8] = &[")
    for i in range(0, len(blist), 20):
        L.append("    " + " ".join(f"{b}," for b in blist[i:i + 20]))
    L.append("];")
    rs = "\n".join(L) + "\n"
    covtext = "".join("\t".join(c) + "\n" for c in cov)

    if check:
        stale = [n for n, want in ((OUT_RS, rs), (OUT_COV, covtext))
                 if not os.path.exists(n) or open(n, encoding="utf-8").read() != want]
        if stale:
            print("gen-camdb: out of date: " + ", ".join(os.path.relpath(s, ROOT) for s in stale)
                  + " (run scripts/gen-camdb.py)", file=sys.stderr)
            sys.exit(1)
        print(f"gen-camdb: up to date ({len(ranked)} paths, {len(ouis)} OUIs, ports {default_ports})")
        return
    with open(OUT_RS, "w", encoding="utf-8") as f:
        f.write(rs)
    with open(OUT_COV, "w", encoding="utf-8") as f:
        f.write(covtext)
    tmpl = sum(1 for p in ranked if entries[p]["template"])
    print(f"gen-camdb: {len(ids)} brands, {len(ranked)} paths ({tmpl} templates), "
          f"{len(ouis)} OUIs of {len(per_brand)} brands, default ports {default_ports}")


if __name__ == "__main__":
    main()
