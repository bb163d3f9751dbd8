#!/usr/bin/env python3
"""Independent exact k-NN references for test/knn_*.sql (numpy, float64).

usage: knn_reference.py CRANFIELD_DIR OUT_DIR

Writes into OUT_DIR (all TSV, COPY-ready; vectors as real[] literals that
round-trip the float32 values exactly):
  cran_docs.tsv, cran_queries.tsv   id, vector: the shipped USE-lite vectors
  cran_ref.tsv                      metric, query_id, doc_id, rank, score: the
                                    top 110 of every query under cosine, ip, l2
  ties_docs.tsv, ties_queries.tsv   id (bigint), text_id, vector: small-integer
                                    vectors with many duplicates, so scores tie
                                    exactly in any summation order
  ties_ref.tsv                      id_kind (int|text), metric, query_id,
                                    doc_id (as text), rank, score: the full
                                    ranking of every query
Ranking: score descending, ties to the smaller doc id (numeric order for
bigint ids, byte order for text ids).  Scores: cosine similarity, inner
product, minus the Euclidean distance.
"""
import os
import sys

import numpy as np

METRICS = ("cosine", "ip", "l2")
CRAN_DEPTH = 110


def read_fvecs(path):
    raw = np.fromfile(path, dtype=np.int32)
    dim = int(raw[0])
    return raw.reshape(-1, dim + 1)[:, 1:].copy().view(np.float32)


def read_ids(path):
    with open(path) as f:
        return [int(line) for line in f if line.strip()]


def scores(metric, q, d):
    """float64 similarity matrix of queries x docs."""
    q = q.astype(np.float64)
    d = d.astype(np.float64)
    if metric == "ip":
        return q @ d.T
    if metric == "cosine":
        return (q @ d.T) / np.outer(np.linalg.norm(q, axis=1), np.linalg.norm(d, axis=1))
    sq = (q * q).sum(1)[:, None] + (d * d).sum(1)[None, :] - 2.0 * (q @ d.T)
    # exact squared distances for small integers; clamp rounding below zero
    return -np.sqrt(np.maximum(sq, 0.0))


def ranking(row, sort_keys, depth):
    """Positions of the best `depth` docs: score desc, then id order."""
    order = sorted(range(len(row)), key=lambda j: (-row[j], sort_keys[j]))
    return order[:depth]


def vec_literal(v):
    return "{" + ",".join("%.9g" % x for x in v) + "}"


def write_vectors(path, ids, vecs, text_ids=None):
    with open(path, "w") as f:
        for i, (ident, v) in enumerate(zip(ids, vecs)):
            cols = [str(ident)] + ([text_ids[i]] if text_ids else []) + [vec_literal(v)]
            f.write("\t".join(cols) + "\n")


def cranfield(src, out):
    docs = read_fvecs(os.path.join(src, "docs.use-lite.fvecs"))
    queries = read_fvecs(os.path.join(src, "queries.use-lite.fvecs"))
    dids = read_ids(os.path.join(src, "docs.use-lite.ids"))
    qids = read_ids(os.path.join(src, "queries.use-lite.ids"))
    write_vectors(os.path.join(out, "cran_docs.tsv"), dids, docs)
    write_vectors(os.path.join(out, "cran_queries.tsv"), qids, queries)
    with open(os.path.join(out, "cran_ref.tsv"), "w") as f:
        for metric in METRICS:
            s = scores(metric, queries, docs)
            for qi, qid in enumerate(qids):
                for rank, j in enumerate(ranking(s[qi], dids, CRAN_DEPTH), 1):
                    f.write("%s\t%d\t%d\t%d\t%.17g\n" % (metric, qid, dids[j], rank, s[qi, j]))


def tie_vectors(rng, nq=20, nbase=30, ndocs=600, dim=8):
    """Queries and a few distinct base vectors, docs drawn from the base with
    repetition.  Base vectors are kept only if their cosine with every query
    differs from that of every other base vector (or is exactly tied in
    integer arithmetic under ip/l2, which is fine), so cosine ties come only
    from duplicates, where every implementation computes identical numbers."""
    queries = rng.integers(-3, 4, (nq, dim))
    queries[(queries == 0).all(1), 0] = 1
    base = []
    while len(base) < nbase:
        v = rng.integers(-3, 4, dim)
        if not v.any():
            continue
        cand = np.array(base + [v], dtype=np.float64)
        cos = scores("cosine", queries, cand)
        gaps = np.abs(cos[:, :-1] - cos[:, -1:])
        if gaps.size and gaps.min() < 1e-6:
            continue
        base.append(v)
    docs = np.array(base)[rng.integers(0, nbase, ndocs)]
    return queries.astype(np.float32), docs.astype(np.float32)


def ties(out, seed=20261125):
    rng = np.random.default_rng(seed)
    queries, docs = tie_vectors(rng)
    # ids in no particular order (arrival order is not id order), some negative
    dids = [int(x) for x in rng.choice(np.arange(-50000, 50000), len(docs), replace=False)]
    tids = ["d%d" % x for x in dids]		# byte order differs from numeric order
    qids = list(range(1, len(queries) + 1))
    write_vectors(os.path.join(out, "ties_docs.tsv"), dids, docs, tids)
    write_vectors(os.path.join(out, "ties_queries.tsv"), qids, queries, ["q%d" % x for x in qids])
    with open(os.path.join(out, "ties_ref.tsv"), "w") as f:
        for kind, keys in (("int", dids), ("text", [t.encode() for t in tids])):
            names = dids if kind == "int" else tids
            for metric in METRICS:
                s = scores(metric, queries, docs)
                for qi, qid in enumerate(qids):
                    for rank, j in enumerate(ranking(s[qi], keys, len(docs)), 1):
                        f.write("%s\t%s\t%d\t%s\t%d\t%.17g\n" % (kind, metric, qid, names[j], rank, s[qi, j]))


def main(src, out):
    os.makedirs(out, exist_ok=True)
    cranfield(src, out)
    ties(out)
    os.chmod(out, 0o755)
    for name in os.listdir(out):
        os.chmod(os.path.join(out, name), 0o644)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
