#!/usr/bin/env python3
"""Module graph of the library crate (src/lib.rs): prints the cycles and exits 1 if any.

Reads every module file reachable from src/lib.rs (following `mod x;` and `#[path]`),
collects the paths it names (`use crate::…`, `use super::…`, `use self::…`, `crate::a::b`
and `super::x` in code, and `child::…` for modules it declares), resolves each to the deepest
module it reaches (following `pub use` re-exports), and then, at every level of the tree,
draws an arrow between two sibling modules when something inside one names something inside
the other. A cycle among siblings at any level is reported with one line of evidence per
arrow. A child naming an item of its own ancestor (`super::Thing` from a mod.rs) is not a
sibling arrow; `--up` lists those too.

Usage: scripts/modgraph.py [--src DIR] [--no-tests] [--up] [--dot] [--self-test]
Exit status: 0 no cycle, 1 at least one cycle, 2 the tree could not be read.
Text only, no cargo, no network: it reads .rs files.
"""

import argparse
import os
import re
import sys

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def strip_code(text):
    """Blanks comments, string and char literals, keeping line breaks (line numbers hold)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "r" and re.match(r'r#*"', text[i:i + 260]) and (i == 0 or not re.match(r"\w", text[i - 1])):
            m = re.match(r'r(#*)"', text[i:])
            end = '"' + m.group(1)
            j = text.find(end, i + m.end())
            j = n if j < 0 else j + len(end)
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "'":
            # char literal ('a', '\n', '\u{..}') vs lifetime ('a)
            m = re.match(r"'(\\.[^']*|[^\\'])'", text[i:i + 12])
            if m:
                out.append(" " * m.end())
                i += m.end()
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


class Module:
    def __init__(self, path, file, is_dir_owner, test):
        self.path = path  # tuple of names, () for the crate root
        self.file = file
        self.is_dir_owner = is_dir_owner  # lib.rs / mod.rs: children live in its directory
        self.test = test  # under #[cfg(test)]
        self.children = {}  # name -> path tuple
        self.reexports = {}  # name -> absolute path list (pub use)
        self.refs = []  # (absolute path list, line number, owning module path)


def parse_use_tree(s):
    """`a::{b, c::d as e, f::*}` -> [['a','b'], ['a','c','d'], ['a','f','*']] (aliases kept as name)."""
    s = s.strip()
    results = []

    def split_top(inner):
        parts, depth, cur = [], 0, ""
        for ch in inner:
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            if ch == "," and depth == 0:
                parts.append(cur)
                cur = ""
            else:
                cur += ch
        if cur.strip():
            parts.append(cur)
        return parts

    def walk(prefix, tree):
        tree = tree.strip()
        if not tree:
            return
        if tree.startswith("{"):
            for part in split_top(tree[1:-1]):
                walk(prefix, part)
            return
        brace = tree.find("{")
        if brace >= 0:
            head = tree[:brace].rstrip(":").strip()
            walk(prefix + [p for p in head.split("::") if p], tree[brace:])
            return
        tree = re.sub(r"\s+as\s+\w+$", "", tree)
        results.append(prefix + [p.strip() for p in tree.split("::") if p.strip()])

    walk([], s)
    return results


def load(src, skip_tests):
    modules = {}
    root = Module((), os.path.join(src, "lib.rs"), True, False)
    queue = [root]
    while queue:
        mod = queue.pop()
        modules[mod.path] = mod
        try:
            raw = open(mod.file, encoding="utf-8").read()
        except OSError as e:
            print(f"modgraph: cannot read {mod.file}: {e}", file=sys.stderr)
            sys.exit(2)
        code = strip_code(raw)
        scan_file(mod, raw, code, modules, queue, skip_tests)
    return modules


def scan_file(mod, raw, code, modules, queue, skip_tests):
    """Walks one file: declared modules, inline modules (tracked by brace depth), paths named."""
    lines = code.split("\n")
    raw_lines = raw.split("\n")
    directory = os.path.dirname(mod.file)
    if mod.is_dir_owner:
        child_dir = directory
    else:
        child_dir = os.path.join(directory, os.path.splitext(os.path.basename(mod.file))[0])
    # stack of (inline module path, depth at which it closes, test flag)
    stack = [(mod.path, -1, mod.test)]
    depth = 0
    pending_attrs = []
    stmt = ""  # a `use` statement that spans lines
    stmt_line = 0
    for lineno, line in enumerate(lines, 1):
        stripped = line.strip()
        cur_path, _, cur_test = stack[-1]
        attr = re.match(r"#\[(.*)\]\s*$", stripped)
        if attr:
            pending_attrs.append(raw_lines[lineno - 1].strip())
        decl = re.match(r"(?:pub(?:\([^)]*\))?\s+)?mod\s+(" + IDENT + r")\s*([;{])", stripped)
        if decl:
            name, kind = decl.group(1), decl.group(2)
            is_test = cur_test or any("cfg(test)" in a for a in pending_attrs) or any(
                "cfg(any(test" in a for a in pending_attrs)
            child_path = cur_path + (name,)
            if kind == ";":
                if not (skip_tests and is_test):
                    path_attr = next((re.search(r'path\s*=\s*"([^"]+)"', a) for a in pending_attrs
                                      if re.search(r'path\s*=\s*"', a)), None)
                    if path_attr:
                        base = directory if cur_path == mod.path else child_dir
                        file = os.path.join(base, path_attr.group(1))
                        owner = os.path.basename(file) == "mod.rs"
                    else:
                        base = child_dir if cur_path == mod.path else os.path.join(child_dir, *cur_path[len(mod.path):])
                        if os.path.exists(os.path.join(base, name + ".rs")):
                            file, owner = os.path.join(base, name + ".rs"), False
                        else:
                            file, owner = os.path.join(base, name, "mod.rs"), True
                    mod.children[name] = child_path
                    queue.append(Module(child_path, file, owner, is_test))
            else:
                mod.children[name] = child_path
                if not (skip_tests and is_test):
                    # inline module: its paths count for the file's module
                    stack.append((child_path, depth, is_test))
                else:
                    stack.append((child_path, depth, "skip"))
            pending_attrs = []
        elif stripped and not attr:
            pending_attrs = []
        skipping = stack[-1][2] == "skip"
        # use statements (may span lines)
        if not stmt:
            m = re.match(r"(pub(?:\([^)]*\))?\s+)?use\s+(.*)", stripped)
            if m and not skipping:
                stmt, stmt_line, stmt_pub = m.group(2), lineno, bool(m.group(1))
                stmt_scope = stack[-1][0]
        else:
            stmt += " " + stripped
        if stmt and ";" in stmt:
            body = stmt.split(";", 1)[0]
            for p in parse_use_tree(body):
                absolute = resolve_relative(p, stmt_scope, mod)
                if absolute is None:
                    continue
                mod.refs.append((absolute, stmt_line, stmt_scope))
                if stmt_pub and stmt_scope == mod.path and absolute and absolute[-1] != "*":
                    alias = re.search(r"\b" + re.escape(p[-1]) + r"\s+as\s+(" + IDENT + ")", body)
                    mod.reexports[alias.group(1) if alias else p[-1]] = absolute
            stmt = ""
        elif not stmt and not skipping:
            for m in re.finditer(r"(?<![\w:])((?:crate|super|self)(?:::" + IDENT + r")+)", line):
                parts = m.group(1).split("::")
                absolute = resolve_relative(parts, stack[-1][0], mod)
                if absolute is not None:
                    mod.refs.append((absolute, lineno, stack[-1][0]))
        depth += line.count("{") - line.count("}")
        while len(stack) > 1 and depth <= stack[-1][1]:
            stack.pop()


def resolve_relative(parts, scope, mod):
    """Turns a path as written into an absolute path from the crate root (None: external)."""
    if not parts:
        return None
    head = parts[0]
    if head == "crate":
        return parts[1:]
    if head in ("super", "self"):
        base = list(scope)
        i = 0
        while i < len(parts) and parts[i] in ("super", "self"):
            if parts[i] == "super":
                if not base:
                    return None
                base.pop()
            i += 1
        return base + parts[i:]
    # a child module declared in this scope (2018 edition: `use child::X` is relative)
    if head in mod.children and mod.children[head] == tuple(scope) + (head,):
        return list(scope) + parts
    return None


def deepest_module(parts, modules, seen=None):
    """The module a path lands in, following `pub use` re-exports one name at a time."""
    seen = seen or set()
    path = ()
    for i, name in enumerate(parts):
        if path + (name,) in modules:
            path = path + (name,)
            continue
        module = modules.get(path)
        if module and name in module.reexports and (path, name) not in seen:
            seen.add((path, name))
            target = module.reexports[name]
            return deepest_module(target + parts[i + 1:], modules, seen)
        break
    return path


def file_module(path, modules):
    while path and path not in modules:
        path = path[:-1]
    return path


def sibling_edges(modules):
    """{parent: {(a, b): [evidence]}} for arrows between two children of the same parent."""
    edges, ups = {}, []
    for mod in modules.values():
        for parts, line, scope in mod.refs:
            target = deepest_module(parts, modules)
            source = file_module(tuple(scope), modules)
            if target == source:
                continue
            k = 0
            while k < len(source) and k < len(target) and source[k] == target[k]:
                k += 1
            where = f"{os.path.relpath(mod.file)}:{line}"
            if k == len(target):
                ups.append((source, target, where))
                continue
            if k == len(source):
                continue  # a module naming its own descendant
            parent = source[:k]
            a, b = source[k], target[k]
            shown = parts[:-1] if parts[-1] == "self" else parts
            edges.setdefault(parent, {}).setdefault((a, b), []).append(
                (where, "::".join(shown)))
    return edges, ups


def cycles(nodes_edges):
    """Strongly connected components with more than one node (Tarjan)."""
    graph = {}
    for a, b in nodes_edges:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            strong(v)
    return out


def name(parent, child):
    return "::".join(("crate",) + parent + (child,))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
    ap.add_argument("--no-tests", action="store_true", help="leave #[cfg(test)] modules out")
    ap.add_argument("--up", action="store_true", help="also list children naming their ancestors' items")
    ap.add_argument("--dot", action="store_true", help="print the sibling arrows as Graphviz dot")
    ap.add_argument("--self-test", action="store_true", help="check the checker on two small trees")
    args = ap.parse_args()
    if args.self_test:
        return self_test()
    src = os.path.normpath(args.src)
    if not os.path.exists(os.path.join(src, "lib.rs")):
        print(f"modgraph: no lib.rs in {src}", file=sys.stderr)
        return 2
    modules = load(src, args.no_tests)
    edges, ups = sibling_edges(modules)
    if args.dot:
        print("digraph modules {")
        for parent, es in sorted(edges.items()):
            for (a, b) in sorted(es):
                print(f'  "{name(parent, a)}" -> "{name(parent, b)}";')
        print("}")
    found = 0
    arrows = sum(len(es) for es in edges.values())
    for parent, es in sorted(edges.items()):
        for comp in cycles(es.keys()):
            found += 1
            members = set(comp)
            print(f"cycle in {'::'.join(('crate',) + parent)}: {' <-> '.join(comp)}")
            for (a, b), evidence in sorted(es.items()):
                if a in members and b in members:
                    where, what = evidence[0]
                    more = f" (+{len(evidence) - 1} more)" if len(evidence) > 1 else ""
                    print(f"  {a} -> {b}: {where} {what}{more}")
    if args.up:
        for source, target, where in sorted(set(ups)):
            print(f"up: {'::'.join(source)} names {'::'.join(target) or 'crate'} ({where})")
    print(f"{len(modules)} modules, {arrows} sibling arrows, {found} cycle(s)")
    return 1 if found else 0


def self_test():
    """A tree with a cycle two levels down (through a re-export) and one without."""
    import subprocess
    import tempfile

    files = {
        "lib.rs": "pub mod a;\npub mod b;\n",
        "a/mod.rs": "pub mod x;\npub mod y;\npub use y::Thing;\n",
        "a/x.rs": "use super::Thing; // a::y via the re-export\npub struct X;\n",
        "a/y.rs": "pub struct Thing(crate::a::x::X);\n#[cfg(test)]\nmod tests {\n    use super::super::x;\n}\n",
        "b.rs": "/// crate::a is named in a comment only\nfn f() -> &'static str { \"crate::a::x\" }\n",
    }
    failures = []
    for name, extra, want in [("cycle", {}, 1), ("clean", {"a/x.rs": "pub struct X;\n"}, 0)]:
        with tempfile.TemporaryDirectory() as d:
            for path, text in {**files, **extra}.items():
                os.makedirs(os.path.dirname(os.path.join(d, path)), exist_ok=True)
                with open(os.path.join(d, path), "w", encoding="utf-8") as f:
                    f.write(text)
            out = subprocess.run([sys.executable, os.path.abspath(__file__), "--src", d],
                                 capture_output=True, text=True, check=False)
            if out.returncode != want or (want and "crate::a: x <-> y" not in out.stdout):
                failures.append(f"{name}: exit {out.returncode}, want {want}:\n{out.stdout}{out.stderr}")
            if "crate: a" in out.stdout or "b ->" in out.stdout:
                failures.append(f"{name}: a comment or string counted as a path:\n{out.stdout}")
    for f in failures:
        print(f"modgraph self-test: {f}", file=sys.stderr)
    print("modgraph self-test: " + ("FAILED" if failures else "ok"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
