#!/usr/bin/env python3
"""Convert .fvecs (+ optional .ids) to TSV rows "id<TAB>[x1,x2,...]" for COPY into an embedding column.

Standard library only (the demo must not need numpy).  .fvecs: per row an int32 little-endian
dimension, then that many float32 values.  Without an .ids file, ids are 0-based row numbers.
Floats are printed with repr(), the shortest text that round-trips the float32 exactly once parsed
back as float4.

usage: fvecs2tsv.py FILE.fvecs [FILE.ids] [--limit N]
"""
import struct
import sys


def read_fvecs(path, limit=None):
    with open(path, "rb") as f:
        data = f.read()
    off, n = 0, 0
    while off < len(data) and (limit is None or n < limit):
        (dim,) = struct.unpack_from("<i", data, off)
        off += 4
        yield struct.unpack_from("<%df" % dim, data, off)
        off += 4 * dim
        n += 1


def main(argv):
    limit = None
    if "--limit" in argv:
        i = argv.index("--limit")
        limit = int(argv[i + 1])
        argv = argv[:i] + argv[i + 2:]
    ids = None
    if len(argv) > 1:
        with open(argv[1]) as f:
            ids = [line.rstrip("\n") for line in f]
    out = sys.stdout
    for row, vec in enumerate(read_fvecs(argv[0], limit)):
        ident = ids[row] if ids is not None else str(row)
        out.write(ident + "\t[" + ",".join(repr(float(x)) for x in vec) + "]\n")


if __name__ == "__main__":
    main(sys.argv[1:])
