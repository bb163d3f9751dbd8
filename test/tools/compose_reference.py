#!/usr/bin/env python3
"""Independent references for test/compose_*.sql (scikit-learn, imbalanced-learn
0.10, numpy in float64) on the shipped Cranfield USE-lite vectors.

usage: compose_reference.py CRANFIELD_DIR OUT_DIR

Writes into OUT_DIR (TSV, COPY-ready):
  docs.tsv          id, class, vector (real[] literal): the 1400 documents; class
                    a (id % 10 = 0), b (id % 10 in 1, 2), c (the rest)
  queries.tsv       id, vector: the 225 queries
  kmeans.tsv        k, best inertia of scikit-learn KMeans(n_init=10) (l2)
  smote_counts.tsv  method, class, synthetic items imbalanced-learn makes
  smote_nbrs.tsv    kind (class | other), parent_id, neighbor_id: each item's
                    k = 5 Euclidean neighbours in its class / in the other classes
  danger.tsv        id: the Borderline-SMOTE danger items (imblearn's own rule)
  adasyn_parent.tsv parent_id, count: ADASYN's per-item rounding rint(r_i G)
  greedy.tsv        case, step, id, gain: numpy greedy k-center / facility location
  split.tsv         query_id, max_similarity, nearest_train_id (train: even ids)
  mig_labels.tsv    label, vector: the MIG labels, one per query (its vector), with
                    hostile names (quotes, tab, backslash, newline, braces, non-ASCII)
  mig_items.tsv     id, pos, label: each document's labels in order (its 3 most
                    similar queries; a few documents repeat a label, share another's
                    labels, or have none); score = mig_score(id)
  mig.tsv           case, step, id, gain: numpy MIG greedy (mig/sampler.py's rule)
"""
import os
import sys

import numpy as np
from imblearn.over_sampling import ADASYN, SMOTE, BorderlineSMOTE
from sklearn.cluster import KMeans
from sklearn.neighbors import NearestNeighbors


def read_fvecs(path):
    raw = np.fromfile(path, dtype=np.int32)
    dim = int(raw[0])
    return raw.reshape(-1, dim + 1)[:, 1:].copy().view(np.float32)


def read_ids(path):
    with open(path) as f:
        return np.array([int(line) for line in f if line.strip()])


def vec_literal(v):
    return "{" + ",".join("%.9g" % x for x in v) + "}"


def sorted_by_id(ids, x):
    o = np.argsort(ids, kind="stable")
    return ids[o], x[o]


def class_of(i):
    return "a" if i % 10 == 0 else ("b" if i % 10 in (1, 2) else "c")


def kcenter(x, budget, init):
    n = len(x)
    d = lambda j: 1.0 - x @ x[j]
    mind = np.full(n, np.inf)
    chosen = np.zeros(n, bool)
    out = []
    for j in init or [0]:
        out.append((j, None))
        chosen[j] = True
        mind = np.minimum(mind, d(j))
    while len(out) < budget:
        m = np.where(chosen, -np.inf, mind)
        j = int(np.argmax(m))
        out.append((j, float(m[j])))
        chosen[j] = True
        mind = np.minimum(mind, d(j))
    return out


def facility_location(w, budget):
    """Plain greedy on a similarity matrix w[i, j] (0 where not in the graph)."""
    n = w.shape[0]
    cover = np.zeros(n)
    chosen = np.zeros(n, bool)
    out = []
    while len(out) < budget:
        gains = np.maximum(w - cover[:, None], 0.0).sum(axis=0)
        gains[chosen] = -np.inf
        j = int(np.argmax(gains))
        out.append((j, float(gains[j])))
        chosen[j] = True
        cover = np.maximum(cover, w[:, j])
    return out


def knn_graph(s, k):
    """Each row's k most similar columns (itself included), ties to the smaller id."""
    w = np.zeros_like(s)
    for i in range(len(s)):
        order = np.lexsort((np.arange(len(s)), -s[i]))[:k]
        w[i, order] = s[i, order]
    return w


def copy_text(v):
    """A value in COPY's text format."""
    return v.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def mig_label(qid):
    base = "q%d" % qid
    if qid % 7 == 0:
        return base + ' "Mach" {x,y}\t\\n\nné'
    if qid % 7 == 1:
        return base + " l'aile"
    return base


def mig_score(i):
    """Distinct scores, but i % 100 == 1 has the score (and the labels) of i - 1: an exact tie."""
    if i % 100 == 1:
        i -= 1
    return 1 + (i * 37 % 1009) / 1000


def mig_item_labels(dids, docs, qids, queries):
    """Each document's 3 most similar queries (ties to the smaller query id), as label lists."""
    dn = docs / np.linalg.norm(docs, axis=1)[:, None]
    qn = queries / np.linalg.norm(queries, axis=1)[:, None]
    s = dn @ qn.T
    out = {}
    for r, i in enumerate(dids):
        order = np.lexsort((qids, -s[r]))[:3]
        out[int(i)] = [mig_label(int(qids[j])) for j in order]
    for i in dids:
        i = int(i)
        if i % 100 == 1 and i - 1 in out:
            out[i] = list(out[i - 1])       # same labels and score as i - 1: a tie
        if i % 97 == 0:
            out[i] = out[i] + [out[i][0]]    # a label twice: counts twice in the norm
        if i % 211 == 0:
            out[i] = []                      # no labels: no information
    return out


def mig(items, scores, emb, budget, sim_threshold, phi, prop_weight, init=None):
    """MIG greedy (yichengchen24/MIG mig/sampler.py, norm=True) in float64:
    V[i, l] = score_i / len(labels_i) on each label of i; W = cos of the label
    embeddings where >= sim_threshold, else 0; P = W with the off-diagonal times
    prop_weight, divided by its column sums; gain = (V P) @ phi'(x); x += the
    selected row of V P.  Ties: the first (smallest id) maximum, like argmax."""
    vocab = sorted({l for ls in items for l in ls})
    col = {l: j for j, l in enumerate(vocab)}
    V = np.zeros((len(items), len(vocab)))
    for i, ls in enumerate(items):
        for l in ls:
            V[i, col[l]] = scores[i] / len(ls)
    if emb is None:
        W = np.eye(len(vocab))
    else:
        E = np.array([emb[l] for l in vocab], dtype=np.float64)
        E /= np.linalg.norm(E, axis=1)[:, None]
        W = E @ E.T
        W = np.where(W >= sim_threshold, W, 0.0)
    P = W * np.eye(len(vocab)) + W * (1 - np.eye(len(vocab))) * prop_weight
    P = P / P.sum(axis=0)
    VP = V @ P
    if phi[0] == "pow":
        a, b = phi[1], phi[2]
        dphi = lambda x: b * (x + a) ** (b - 1)
    else:
        alpha = phi[1]
        dphi = lambda x: alpha * np.exp(-alpha * x)
    x = np.zeros(len(vocab))
    chosen = np.zeros(len(items), bool)
    out = []
    for j in init or []:
        out.append((j, None))
        chosen[j] = True
        x += VP[j]
    while len(out) < budget:
        gains = VP @ dphi(x)
        gains[chosen] = -np.inf
        j = int(np.argmax(gains))
        out.append((j, float(gains[j])))
        chosen[j] = True
        x += VP[j]
    return out


def main(src, out):
    os.makedirs(out, exist_ok=True)
    dids, docs = sorted_by_id(read_ids(os.path.join(src, "docs.use-lite.ids")),
                              read_fvecs(os.path.join(src, "docs.use-lite.fvecs")))
    qids, queries = sorted_by_id(read_ids(os.path.join(src, "queries.use-lite.ids")),
                                 read_fvecs(os.path.join(src, "queries.use-lite.fvecs")))
    y = np.array([class_of(i) for i in dids])
    with open(os.path.join(out, "docs.tsv"), "w") as f:
        for i, c, v in zip(dids, y, docs):
            f.write("%d\t%s\t%s\n" % (i, c, vec_literal(v)))
    with open(os.path.join(out, "queries.tsv"), "w") as f:
        for i, v in zip(qids, queries):
            f.write("%d\t%s\n" % (i, vec_literal(v)))
    X = docs.astype(np.float64)

    with open(os.path.join(out, "kmeans.tsv"), "w") as f:
        for k in (8, 20):
            km = KMeans(n_clusters=k, n_init=10, random_state=0).fit(X)
            f.write("%d\t%.10g\n" % (k, km.inertia_))

    with open(os.path.join(out, "smote_counts.tsv"), "w") as f:
        for name, s in (("smote", SMOTE(k_neighbors=5, random_state=0)),
                        ("borderline1", BorderlineSMOTE(k_neighbors=5, m_neighbors=10, random_state=0)),
                        ("borderline2", BorderlineSMOTE(k_neighbors=5, m_neighbors=10, random_state=0,
                                                        kind="borderline-2")),
                        ("adasyn", ADASYN(n_neighbors=5, random_state=0))):
            _, yr = s.fit_resample(X, y)
            for c in sorted(set(y)):
                f.write("%s\t%s\t%d\n" % (name, c, (yr == c).sum() - (y == c).sum()))

    with open(os.path.join(out, "smote_nbrs.tsv"), "w") as f:
        for c in sorted(set(y)):
            for kind, mask in (("class", y == c), ("other", y != c)):
                nn = NearestNeighbors(n_neighbors=6).fit(X[mask])
                _, ind = nn.kneighbors(X[y == c])
                for p, row in zip(dids[y == c], ind):
                    nb = [dids[mask][j] for j in row if dids[mask][j] != p][:5]
                    for j in nb:
                        f.write("%s\t%d\t%d\n" % (kind, p, j))

    bl = BorderlineSMOTE(k_neighbors=5, m_neighbors=10)
    nn_m = NearestNeighbors(n_neighbors=11).fit(X)
    with open(os.path.join(out, "danger.tsv"), "w") as f:
        for c in ("a", "b"):
            danger = bl._in_danger_noise(nn_m, X[y == c], c, y, kind="danger")
            for i in dids[y == c][danger]:
                f.write("%d\n" % i)

    # ADASYN per item: r_i = other-class share of the 5-NN in all data, g_i = rint(r_i / sum r * G)
    counts = {c: (y == c).sum() for c in set(y)}
    with open(os.path.join(out, "adasyn_parent.tsv"), "w") as f:
        for c in ("a", "b"):
            nn = NearestNeighbors(n_neighbors=6).fit(X)
            ind = nn.kneighbors(X[y == c], return_distance=False)[:, 1:]
            r = (y[ind] != c).sum(axis=1) / 5
            r = r / r.sum()
            g = np.rint(r * (counts["c"] - counts[c])).astype(int)
            for p, cnt in zip(dids[y == c], g):
                f.write("%d\t%d\n" % (p, cnt))

    xn = X / np.linalg.norm(X, axis=1)[:, None]
    s = xn @ xn.T
    with open(os.path.join(out, "greedy.tsv"), "w") as f:
        cases = (("kcenter", kcenter(xn, 40, None)),
                 ("kcenter_init", kcenter(xn, 30, [list(dids).index(5), list(dids).index(900)])),
                 ("fl_dense", facility_location(s, 30)),
                 ("fl_knn20", facility_location(knn_graph(s, 20), 40)))
        for name, sel in cases:
            for step, (j, gain) in enumerate(sel, 1):
                f.write("%s\t%d\t%d\t%s\n" % (name, step, dids[j], "\\N" if gain is None else "%.10g" % gain))

    labels_of = mig_item_labels(dids, X, qids, queries.astype(np.float64))
    emb = {mig_label(int(i)): v for i, v in zip(qids, queries)}
    with open(os.path.join(out, "mig_labels.tsv"), "w") as f:
        for l, v in emb.items():
            f.write("%s\t%s\n" % (copy_text(l), vec_literal(v)))
    with open(os.path.join(out, "mig_items.tsv"), "w") as f:
        for i in dids:
            for pos, l in enumerate(labels_of[int(i)], 1):
                f.write("%d\t%d\t%s\n" % (i, pos, copy_text(l)))
    items = [labels_of[int(i)] for i in dids]
    scores = [mig_score(int(i)) for i in dids]
    with open(os.path.join(out, "mig.tsv"), "w") as f:
        cases = (("mig_graph", mig(items, scores, emb, 40, 0.7, ("pow", 1e-6, 0.8), 1.0)),
                 ("mig_exp", mig(items, scores, emb, 30, 0.8, ("exp", 3.0), 0.5)),
                 ("mig_plain_init", mig(items, scores, None, 30, 0.9, ("pow", 0.01, 0.5), 1.0,
                                        [list(dids).index(5), list(dids).index(900)])))
        for name, sel in cases:
            for step, (j, gain) in enumerate(sel, 1):
                f.write("%s\t%d\t%d\t%s\n" % (name, step, dids[j], "\\N" if gain is None else "%.17g" % gain))

    q = queries.astype(np.float64)
    q = q / np.linalg.norm(q, axis=1)[:, None]
    train, test = qids % 2 == 0, qids % 2 == 1
    sim = q[test] @ q[train].T
    with open(os.path.join(out, "split.tsv"), "w") as f:
        for i, row in zip(qids[test], sim):
            j = int(np.argmax(row))
            f.write("%d\t%.10g\t%d\n" % (i, row[j], qids[train][j]))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
