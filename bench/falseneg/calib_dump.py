#!/usr/bin/python3
"""Prototype data for issue 12's calibration: per grid cell (Cranfield, SciFact train x the
four pools of calibration.py), every unjudged dense-top-30 candidate and every visible judged
pool pair with the observables a user has (pooled-run ranks, absent flags, dense rank, cosine,
the query's visible positives' cosines and count, pooled depths), and the hidden truth in a
separate column `y` used only for scoring.  Pure numpy from ../shared/data (no database): the
dense top 30 is the exact cosine top 30 as knn_search computes it (ties to the smaller doc id).
CISI is never read here.
  /usr/bin/python3 bench/falseneg/calib_dump.py OUTDIR      # writes OUTDIR/<coll>_<pool>.npz
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "data"))
if not os.path.isdir(DATA):
    DATA = "/work/shared/data"
POOLS = [("bm25@5", 5, False), ("bm25@10", 10, False), ("bm25@20", 20, False), ("bm25+dense@5", 5, True)]
COLLS = [("cranfield", "", ""), ("scifact", "_train", "_train")]
TOP = 30


def fvecs(path):
    a = np.fromfile(path, dtype=np.int32)
    return a.reshape(-1, a[0] + 1)[:, 1:].view(np.float32)


def run(path):
    r = {}
    for line in open(path):
        q, _, d, rank, score, _ = line.split()
        r.setdefault(q, {})[d] = (int(rank), float(score))
    return r


def ranks(r):
    return {q: {d: v[0] for d, v in m.items()} for q, m in r.items()}


def collection(coll, qs, rs):
    vec = os.path.join(DATA, "vectors", "use-lite", coll)
    dids = [l.strip() for l in open(vec + "/docs.ids")]
    qids = [l.strip() for l in open(vec + "/queries%s.ids" % qs)]
    D, Q = fvecs(vec + "/docs.fvecs"), fvecs(vec + "/queries%s.fvecs" % qs)
    bm25s = run(os.path.join(DATA, "runs", coll, "queries%s.bm25.run" % rs))
    bm25 = ranks(bm25s)
    dense = ranks(run(os.path.join(DATA, "runs", coll, "queries%s.use-lite.run" % rs)))
    qrels = {}
    for line in open(os.path.join(DATA, "ir", coll, "qrels%s.tsv" % qs)):
        q, d, rel = line.split()
        qrels.setdefault(q, {})[d] = max(int(rel), qrels.get(q, {}).get(d, -99))
    return dids, qids, D, Q, bm25, dense, qrels, bm25s


def cell(c, depth, with_dense):
    dids, qids, D, Q, bm25, dense, qrels, bm25s = c
    dix = {d: i for i, d in enumerate(dids)}
    rows = []
    order = np.argsort(np.array(dids, dtype=np.int64))   # ties: smaller doc id first
    for qi, q in enumerate(qids):
        b, dn, qr = bm25.get(q, {}), dense.get(q, {}), qrels.get(q, {})
        bs = {d: v[1] for d, v in bm25s.get(q, {}).items()}
        s1, slast = (max(bs.values()), min(bs.values())) if bs else (1.0, 0.0)
        pool = {d for d, r in b.items() if r <= depth}
        if with_dense:
            pool |= {d for d, r in dn.items() if r <= depth}
        vis = {d: max(qr.get(d, 0), 0) for d in pool}
        pos = [d for d, r in vis.items() if r > 0]
        if not pos:
            continue    # qset: queries with a visible positive
        cos = D @ Q[qi]
        top = order[np.lexsort((np.arange(len(order)), -cos[order]))][:TOP]
        pos_cos = np.array([cos[dix[d]] for d in pos if d in dix])
        kr = {dids[j]: k + 1 for k, j in enumerate(top)}
        for d in set(kr) | set(vis):
            if d not in dix:
                continue
            judged = d in vis
            rows.append((qi, dix[d], kr.get(d, 0), b.get(d, 0), dn.get(d, 0) if with_dense else 0,
                         cos[dix[d]], pos_cos.max(), pos_cos.mean(), pos_cos.min(), len(pos),
                         len(vis), bs.get(d, -1.0) / s1, slast / s1, judged, vis.get(d, 0) > 0 if judged else qr.get(d, 0) > 0))
    a = np.array(rows, dtype=float)
    names = ["q", "d", "k", "b", "dn", "cos", "pmax", "pmean", "pmin", "npos", "njudged", "bsc", "bslast", "judged", "y"]
    out = {n: a[:, i] for i, n in enumerate(names)}
    out["depth"] = depth
    out["with_dense"] = with_dense
    out["ndocs"] = len(dids)
    return out


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    for coll, qs, rs in COLLS:
        c = collection(coll, qs, rs)
        for name, depth, wd in POOLS:
            x = cell(c, depth, wd)
            np.savez(os.path.join(outdir, "%s_%s.npz" % (coll, name)), **x)
            u = (x["judged"] == 0) & (x["k"] > 0)
            print(coll, name, "unjudged", int(u.sum()), "hidden", int(x["y"][u].sum()),
                  "judged", int(x["judged"].sum()), file=sys.stderr)


if __name__ == "__main__":
    main()
