"""Independent references for the embedding type, computed with numpy.

Writes into the directory given as argv[1]:
  emb_vectors.tsv   id, dim, source, vector as a real[] literal
  emb_pairs.tsv     id_a, id_b and numpy's float64 values of every distance,
                    the norms, and the float32 element-wise results
  emb_groups.tsv    group key, count, sum and avg of the group (float32 of a
                    float64 sum), and the per-element scale sum(|x|)
  emb_bad_*.bin     COPY BINARY files with malformed embedding fields
  emb_good.bin      a well-formed COPY BINARY file: [1,-2.5] and [0.1]

Vectors are the real Cranfield USE-lite embeddings (512-d) plus seeded
random vectors at the edge dimensions 1, 3, 15, 16, 17, 1023 and 16000, which
cover every SIMD tail length (the kernels step by 8, 16 and 32).

Every float is written with repr() of a numpy float32: the shortest decimal
that reads back to the same float, so PostgreSQL's float4in loads exactly the
vectors numpy used.
"""
import os
import struct
import sys

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
CRAN = os.path.join(ROOT, "test", "data", "cranfield")
EDGE_DIMS = (1, 3, 15, 16, 17, 1023, 16000)


def read_fvecs(path):
    raw = np.fromfile(path, dtype=np.int32)
    dim = raw[0]
    return raw.reshape(-1, dim + 1)[:, 1:].view(np.float32).copy()


def lit(v):
    """A real[] / double precision[] literal; str() of a numpy float32 is its
    shortest round-trip decimal, repr() of a Python float likewise for float64."""
    if v.dtype == np.float32:
        return "{" + ",".join(str(x) for x in v) + "}"
    return "{" + ",".join(repr(float(x)) for x in v) + "}"


def num(x):
    return repr(float(x))


def vectors():
    """(id, source, float32 vector) of every test vector."""
    rng = np.random.default_rng(20261125)
    out = []
    docs = read_fvecs(os.path.join(CRAN, "docs.use-lite.fvecs"))
    queries = read_fvecs(os.path.join(CRAN, "queries.use-lite.fvecs"))
    for v in docs:
        out.append((len(out) + 1, "cranfield_doc", v))
    for v in queries:
        out.append((len(out) + 1, "cranfield_query", v))
    for dim in EDGE_DIMS:
        count = 4 if dim == 16000 else 12
        for _ in range(count):
            v = (rng.standard_normal(dim) * rng.choice([1e-3, 1.0, 1e3])).astype(np.float32)
            out.append((len(out) + 1, "random", v))
    return out


def pairs(vecs):
    """Pairs of equal dimension: cranfield query-doc and doc-doc, every edge pair."""
    rng = np.random.default_rng(7)
    by_dim = {}
    for vid, src, v in vecs:
        by_dim.setdefault((len(v), src.startswith("cranfield")), []).append(vid)
    out = []
    cran = by_dim[(512, True)]
    for _ in range(400):
        a, b = rng.choice(cran, 2, replace=False)
        out.append((int(a), int(b)))
    out.append((cran[0], cran[0]))     # identical: every distance is 0
    for (dim, is_cran), ids in sorted(by_dim.items()):
        if is_cran:
            continue
        for a in ids:
            for b in ids:
                if a < b and (dim < 16000 or b == a + 1):
                    out.append((a, b))
        out.append((ids[0], ids[0]))
    return out


def pair_row(a, b):
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    dot = float(a64 @ b64)
    na, nb = float(np.sqrt(a64 @ a64)), float(np.sqrt(b64 @ b64))
    with np.errstate(over="ignore"):
        add, sub, mul = a + b, a - b, a * b     # float32, IEEE: exact references
    finite = np.isfinite(add).all() and np.isfinite(sub).all() and np.isfinite(mul).all()
    return [
        num(np.sqrt(((a64 - b64) ** 2).sum())),         # l2
        num(dot),                                       # inner product
        num(1.0 - dot / (na * nb)),                     # cosine distance
        num(np.abs(a64 - b64).sum()),                   # l1
        num(na), num(nb), num(na * nb),                 # norms, natural scale of dot
        lit(add) if finite else r"\N",
        lit(sub) if finite else r"\N",
        lit(mul) if finite else r"\N",
        lit((a64 / na).astype(np.float32)),             # l2_normalize(a)
    ]


def groups(vecs):
    """sum and avg per group: all cranfield docs by id % 5, and per edge dim."""
    keyed = {}
    for vid, src, v in vecs:
        key = f"cran{vid % 5}" if src == "cranfield_doc" else (f"dim{len(v)}" if src == "random" else None)
        if key:
            keyed.setdefault(key, []).append(v)
    keyed["cran_all"] = [v for _, s, v in vecs if s == "cranfield_doc"]
    rows = []
    for key, vs in sorted(keyed.items()):
        m = np.stack(vs).astype(np.float64)
        s = m.sum(axis=0)
        rows.append([key, str(len(vs)), lit(s.astype(np.float32)), lit((s / len(vs)).astype(np.float32)),
                     lit(np.abs(m).sum(axis=0))])
    return rows


def copy_binary(fields):
    """A COPY BINARY file with one single-column row per field (bytes)."""
    out = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
    for f in fields:
        out += struct.pack("!hi", 1, len(f)) + f
    return out + struct.pack("!h", -1)


def emb_bytes(dim, unused, values):
    return struct.pack("!hh", dim, unused) + struct.pack("!%df" % len(values), *values)


BAD_BINARY = {
    "truncated": emb_bytes(3, 0, [1.0, 2.0]),           # header says 3, 2 follow
    "oversized": emb_bytes(2, 0, [1.0, 2.0, 3.0]),      # a trailing element
    "short_header": b"\x00",                            # not even the dimension
    "zero_dim": emb_bytes(0, 0, []),
    "negative_dim": emb_bytes(-1, 0, []),
    "too_many_dims": emb_bytes(16001, 0, [0.0] * 16001),
    "unused_set": emb_bytes(2, 7, [1.0, 2.0]),
    "nan": emb_bytes(2, 0, [1.0, float("nan")]),
    "inf": emb_bytes(2, 0, [float("inf"), 1.0]),
    "dim2": emb_bytes(2, 0, [1.0, 2.0]),                # for an embedding(3) column
}


def write(path, rows):
    with open(path, "w") as f:
        for r in rows:
            f.write("\t".join(str(x) for x in r) + "\n")


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    vecs = vectors()
    byid = {vid: v for vid, _, v in vecs}
    write(os.path.join(out, "emb_vectors.tsv"), [[vid, len(v), src, lit(v)] for vid, src, v in vecs])
    write(os.path.join(out, "emb_pairs.tsv"), [[a, b] + pair_row(byid[a], byid[b]) for a, b in pairs(vecs)])
    write(os.path.join(out, "emb_groups.tsv"), groups(vecs))
    for name, field in BAD_BINARY.items():
        with open(os.path.join(out, f"emb_bad_{name}.bin"), "wb") as f:
            f.write(copy_binary([field]))
    with open(os.path.join(out, "emb_good.bin"), "wb") as f:
        f.write(copy_binary([emb_bytes(2, 0, [1.0, -2.5]), emb_bytes(1, 0, [np.float32(0.1)])]))


if __name__ == "__main__":
    main()
