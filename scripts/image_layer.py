#!/usr/bin/env python3
"""Reads an OCI image archive (scripts/image.sh) without a container runtime.

  image_layer.py platforms ARCHIVE          one line per image of the index: os/arch[/variant]
  image_layer.py extract ARCHIVE PATH OUT   writes the file PATH of the (single) image to OUT
"""
import io
import json
import sys
import tarfile


def blob(tar, digest):
    algo, hexd = digest.split(":", 1)
    return tar.extractfile(f"blobs/{algo}/{hexd}").read()


def manifests(tar):
    """The image manifests of the archive, through a nested index if there is one."""
    todo = json.loads(tar.extractfile("index.json").read())["manifests"]
    while todo:
        d = todo.pop(0)
        doc = json.loads(blob(tar, d["digest"]))
        if "manifests" in doc:
            todo = doc["manifests"] + todo
        else:
            yield d, doc


def main(argv):
    if len(argv) < 3 or argv[1] not in ("platforms", "extract"):
        sys.exit(__doc__)
    with tarfile.open(argv[2]) as tar:
        found = list(manifests(tar))
        if argv[1] == "platforms":
            for _, m in found:
                c = json.loads(blob(tar, m["config"]["digest"]))
                print("/".join(p for p in (c["os"], c["architecture"], c.get("variant")) if p))
            return
        if len(found) != 1 or len(argv) != 5:
            sys.exit("extract: needs an archive of one image, PATH and OUT")
        for layer in found[0][1]["layers"]:
            with tarfile.open(fileobj=io.BytesIO(blob(tar, layer["digest"]))) as lt:
                for member in lt.getmembers():
                    if member.name.lstrip("./") == argv[3] and member.isfile():
                        with open(argv[4], "wb") as out:
                            out.write(lt.extractfile(member).read())
                        return
        sys.exit(f"extract: no {argv[3]} in the image")


if __name__ == "__main__":
    main(sys.argv)
