#!/usr/bin/python3
"""Independent numpy re-computation of bench/falseneg/results.tsv (written by simulate.py).

Same simulation, written from the definitions in docs/false-negatives.md without any hardneg code:
dense top-DEPTH by cosine (ties to the smaller doc id), BM25 top-10 pool, the three estimators, drop
p > tau, keep the top k.  Prints every row where the counts differ or the mean score differs by more
than 1e-4, and exits 1 if there is any.
"""
import collections
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "data"))
EDGES = [1, 2, 4, 11, 21, 51, 101, 1001]
DEPTH, POOL = 500, 10


def fvecs(p):
    a = np.fromfile(p, dtype=np.int32)
    return a.reshape(-1, a[0] + 1)[:, 1:].view(np.float32)


def ids(p):
    return [int(l) for l in open(p)]


def bucket(r):
    return max(i for i, e in enumerate(EDGES) if r >= e)


def platt(x, y):
    a = b = 0.0
    for _ in range(100):
        p = 1 / (1 + np.exp(-(a + b * x)))
        w = p * (1 - p)
        ga, gb = (p - y).sum() + 1e-6 * a, ((p - y) * x).sum() + 1e-6 * b
        haa, hab, hbb = w.sum() + 1e-6, (w * x).sum(), (w * x * x).sum() + 1e-6
        det = haa * hbb - hab * hab
        da, db = (hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det
        a, b = a - da, b - db
        if abs(da) + abs(db) < 1e-10:
            break
    return a, b


def simulate(coll, qs):
    vec = os.path.join(DATA, "vectors", "use-lite", coll)
    dv, di = fvecs(vec + "/docs.fvecs"), ids(vec + "/docs.ids")
    qv, qi = fvecs(vec + "/queries%s.fvecs" % qs), ids(vec + "/queries%s.ids" % qs)
    dix = {d: i for i, d in enumerate(di)}
    full = collections.defaultdict(dict)
    for l in open(os.path.join(DATA, "ir", coll, "qrels%s.tsv" % qs)):
        q, d, r = map(int, l.split())
        full[q][d] = max(r, full[q].get(d, r))
    bm = collections.defaultdict(dict)
    for l in open(os.path.join(DATA, "runs", coll, "queries%s.bm25.run" % qs)):
        q, _, d, rk, s, _ = l.split()
        bm[int(q)][int(d)] = (int(rk), float(s))
    judged = {q: {d: int(full[q].get(d, 0) > 0) for d, (rk, _) in bm[q].items() if rk <= POOL} for q in qi}
    hidden = {q: {d for d, r in full[q].items() if r > 0 and d not in judged[q]} for q in qi}
    qset = [a for a, q in enumerate(qi) if any(judged[q].values())]
    labelled = [a for a, q in enumerate(qi) if any(judged[q].values())]
    nrm = lambda m: m / np.linalg.norm(m, axis=1, keepdims=True)
    dn, qn = nrm(dv.astype(np.float64)), nrm(qv.astype(np.float64))
    order_key = np.argsort(np.array(di), kind="stable")
    # Platt on the pool's judged pairs with BM25 scores
    xs = np.array([bm[q][d][1] for q in qi for d in judged[q]])
    ys = np.array([judged[q][d] for q in qi for d in judged[q]], dtype=float)
    pa, pb = platt(xs, ys)
    cands = {}
    for a in qset:
        q = qi[a]
        s = qn[a] @ dn.T
        o = np.lexsort((np.array(di), -s))[:DEPTH]
        cands[a] = [(r + 1, di[j], float(s[j])) for r, j in enumerate(o)]
    # rho per mining bucket over judged candidates
    cnt = collections.defaultdict(lambda: [0, 0])
    for a, cl in cands.items():
        for r, d, _ in cl:
            if d in judged[qi[a]]:
                cnt[bucket(r)][0] += 1
                cnt[bucket(r)][1] += judged[qi[a]][d]
    rho = {b: (cnt[b][1] + 1) / (cnt[b][0] + 2) for b in range(len(EDGES))}
    rows = []
    for a, cl in cands.items():
        q = qi[a]
        sims = qn[labelled] @ qn[a]
        nb = [labelled[i] for i in np.lexsort((np.array(labelled), -sims)) if labelled[i] != a][:10]
        jd = sorted(judged[q])
        jv = dn[[dix[d] for d in jd]]
        for r, d, sc in cl:
            if judged[q].get(d) == 1:
                continue
            if d in judged[q]:
                pp = pk = pt = 0.0
            else:
                pi = 1.0 if d in bm[q] and bm[q][d][0] <= POOL else 0.0
                pp = rho[bucket(r)] * (1 - pi) / (1 - rho[bucket(r)] * pi)
                vq = sum(judged[qi[b]].get(d) == 1 for b in nb)
                ds = jv @ dn[dix[d]]
                near = np.lexsort((np.arange(len(jd)), -ds))[:3]
                vd = sum(judged[q][jd[i]] for i in near)
                pk = max(vq / 10, vd / len(near))
                pt = 1 / (1 + math.exp(-(pa + pb * bm[q][d][1]))) if d in bm[q] else 0.0
            rows.append((a, r, sc, d in hidden[q], pp, pk, pt))
    return rows


METHODS = {"propensity": lambda r: r[4], "knn": lambda r: r[5], "teacher": lambda r: r[6],
           "propensity,knn": lambda r: max(r[4], r[5]), "knn,teacher": lambda r: max(r[5], r[6]),
           "propensity,knn,teacher": lambda r: max(r[4], r[5], r[6])}


def evaluate(rows, k, p, tau):
    n = f = 0
    s = 0.0
    per = collections.defaultdict(int)
    for r in rows:
        if p(r) > tau or per[r[0]] >= k:
            continue
        per[r[0]] += 1
        n += 1
        f += r[3]
        s += r[2]
    return n, f, s / n if n else 0.0


def main():
    expected = collections.defaultdict(dict)
    for l in open(os.path.join(HERE, "results.tsv")):
        coll, k, name, tau, n, f, s = l.rstrip("\n").split("\t")
        if name.startswith("(b)"):      # NV's anchor, for the picture only: not re-derived here
            continue
        expected[coll][(int(k), name, tau)] = (int(n), int(f), float(s))
    bad = 0
    for coll, qs in (("cranfield", ""), ("scifact", "_train")):
        rows = simulate(coll, qs)
        for (k, name, tau), (n, f, s) in sorted(expected[coll].items()):
            if name.startswith("(a)"):
                got = evaluate(rows, k, lambda r: 0, 1)
            else:
                got = evaluate(rows, k, METHODS[name[4:]], float(tau))
            ok = got[0] == n and got[1] == f and abs(got[2] - s) <= 1e-4
            bad += not ok
            if not ok:
                print("MISMATCH", coll, k, name, tau, "db", (n, f, s), "numpy", got)
        print(coll, "checked", len(expected[coll]), "rows")
    print("mismatches:", bad)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
