#!/usr/bin/python3
"""Independent reference of sentence-transformers v6 mine_hard_negatives
semantics (mining.md sections 1.2-1.3), in numpy and float64.

Written from the spec, not from hardneg's C.  For every parameter case in
CASES it writes the expected output of every format, one file per format with
the case name in the first column:

  triplet.tsv   case, query_id, positive_id, negative_id, negative_rank, score, positive_score
  ntuple.tsv    case, query_id, positive_id, {neg ids}, {pos score, neg scores}
  pair.tsv      case, query_id, positive_id, doc_id, label, score, slot
  list.tsv      case, query_id, positive_id, {doc ids}, {labels}, {scores}

plus the inputs as TSV for \\copy (docs.tsv, queries.tsv, qrels.tsv) and
cases.tsv (case name, its SQL named arguments, num_negatives, triplet count).

Usage: st_mining_ref.py <vectors dir> <qrels tsv> <out dir> <teacher run (TREC format)>
"""
import os
import sys

import numpy as np

TEACHER_SQL = "SELECT query_id, doc_id, score FROM teacher"
PSEUDO_MIN = 25.0       # a BM25 score (the stand-in teacher); no score lies within 1e-3 of it

# name -> parameters (SQL named arguments are generated from the same dict)
CASES = {
    "defaults": {},
    "window": {"num_negatives": 5, "range_min": 10, "range_max": 50},
    "abs_margin": {"absolute_margin": 0.05},
    "rel_margin": {"relative_margin": 0.05},
    "band": {"max_score": 0.6, "min_score": 0.2},
    "margins_skip": {"absolute_margin": 0.0, "relative_margin": 0.1, "range_min": 2,
                     "num_negatives": 4},
    "incl_pos": {"include_positives": True, "num_negatives": 5, "range_max": 10},
    "incl_pos_margin": {"include_positives": True, "absolute_margin": 0.02,
                        "num_negatives": 4},
    "short": {"num_negatives": 10, "range_max": 12, "absolute_margin": 0.1},
    "min_only": {"min_score": 0.3, "num_negatives": 2},
    "l2_rel": {"metric": "l2", "relative_margin": 0.05, "max_score": -0.5},
    "deep": {"num_negatives": 15, "range_min": 10, "range_max": 210},
    # hardneg's extensions (mining.md F1, F2): raw rank basis, reference positive, percpos
    "raw_basis": {"rank_basis": "raw", "range_min": 2, "range_max": 12, "num_negatives": 4},
    "flag_range": {"rank_basis": "raw", "range_min": 10, "range_max": 210, "num_negatives": 15},
    "pos_ref_max": {"pos_ref": "max", "absolute_margin": 0.02},
    "pos_ref_mean": {"pos_ref": "mean", "relative_margin": 0.03},
    "pos_ref_each": {"pos_ref": "each", "absolute_margin": 0.01, "num_negatives": 2},
    "percpos": {"percpos": 0.95, "num_negatives": 4},
    "percpos_l2": {"percpos": 0.95, "metric": "l2", "range_max": 20},
    # adaptive margins (mining.md F2): m_q = max(m_min, lambda * spread of the top-K scores)
    "adaptive": {"margin_mode": "adaptive", "num_negatives": 4},
    "adaptive_floor": {"margin_mode": "adaptive", "margin_lambda": 0.5, "margin_top_k": 20,
                       "absolute_margin": 0.03, "relative_margin": 0.02},
    "adaptive_median": {"margin_mode": "adaptive_median", "margin_lambda": 0.25,
                        "pos_ref": "each", "num_negatives": 2},
    # auto_calibrate: the strictest margin keeping a target mean per query
    "auto_abs": {"auto_calibrate": 12.5, "num_negatives": 5},
    "auto_rel": {"auto_calibrate": 7, "relative_margin": 0.5, "num_negatives": 4},
    "auto_lambda": {"auto_calibrate": 20, "margin_mode": "adaptive", "margin_top_k": 5,
                    "num_negatives": 6},
    # RocketQA pseudo-positives (F1, F4), the teacher being SciFact's BM25 run (teacher.tsv):
    # a candidate whose teacher score reaches teacher_pos_min becomes a positive
    "pseudo": {"teacher_scores": TEACHER_SQL, "teacher_pos_min": PSEUDO_MIN,
               "teacher_missing": "keep", "num_negatives": 4},
    "pseudo_margin": {"teacher_scores": TEACHER_SQL, "teacher_pos_min": PSEUDO_MIN,
                      "teacher_missing": "keep", "absolute_margin": 0.02, "pos_ref": "each",
                      "num_negatives": 2},
}


def read_fvecs(path):
    raw = np.fromfile(path, dtype=np.int32)
    dim = raw[0]
    return raw.reshape(-1, dim + 1)[:, 1:].view(np.float32).copy()


def read_ids(path):
    with open(path) as f:
        return [int(line.strip()) for line in f if line.strip()]


def read_qrels(path):
    pos = {}
    with open(path) as f:
        for line in f:
            q, d, rel = line.split("\t")[:3]
            if int(rel) > 0:
                pos.setdefault(int(q), set()).add(int(d))
    return pos


def similarity(metric, qv, dv):
    """Scores in float64: cosine on normalised vectors, or -L2 distance."""
    if metric == "cosine":
        qn = qv / np.linalg.norm(qv, axis=1, keepdims=True)
        dn = dv / np.linalg.norm(dv, axis=1, keepdims=True)
        return qn @ dn.T
    sq = (qv * qv).sum(1)[:, None] + (dv * dv).sum(1)[None, :] - 2.0 * (qv @ dv.T)
    return -np.sqrt(np.maximum(sq, 0.0))


def derived_range_max(c, max_positives):
    if c.get("range_max") is not None:
        return c["range_max"]
    # hardneg also widens for percpos, which thins the pool like the margins
    widen = any(c.get(k) is not None
                for k in ("absolute_margin", "relative_margin", "max_score", "percpos",
                          "margin_mode", "auto_calibrate"))
    return c.get("range_min", 0) + (10 if widen else 1) * c.get("num_negatives", 3) + max_positives


def references(c, pos_scores):
    """The reference positive score(s) P: min (ST), max, mean, or each positive."""
    ref = c.get("pos_ref", "min")
    if ref == "each":
        return list(pos_scores)
    return [{"min": min, "max": max, "mean": lambda x: sum(x) / len(x)}[ref](pos_scores)]


def pool(c, scores, doc_ids, positives, max_positives):
    """Step 5: the top-K candidates (ties to the smaller doc id) and which are positives."""
    k = min(derived_range_max(c, max_positives) + max_positives, len(doc_ids))
    order = np.lexsort((doc_ids, -scores))[:k]
    return order, np.array([doc_ids[i] in positives for i in order])


def spread(c, cand_scores):
    """Population std and median of the top margin_top_k non-positive candidate scores."""
    top = np.asarray(cand_scores[:c.get("margin_top_k", 10)], dtype=np.float64)
    if len(top) < 2:
        return 0.0, (top[0] if len(top) else 0.0)
    return float(np.std(top)), float(np.median(top))


def absolute_margin(c, pref, sd, med, lam=None):
    """The margin of F2: fixed, or max(m_min, lambda sd) / max(m_min, lambda (P - median))."""
    mode = c.get("margin_mode", "fixed")
    m_min = c.get("absolute_margin")
    lam = c.get("margin_lambda", 1.0) if lam is None else lam
    if mode == "adaptive":
        return max(m_min or 0.0, lam * sd)
    if mode == "adaptive_median":
        return max(m_min or 0.0, lam * (pref - med))
    return m_min


def mine_query(c, scores, doc_ids, positives, max_positives, pref):
    """Returns [(doc index, score)] negatives, in rank order, per spec 1.3."""
    n_neg = c.get("num_negatives", 3)
    rmin = c.get("range_min", 0)
    rmax = derived_range_max(c, max_positives)
    order, is_pos = pool(c, scores, doc_ids, positives, max_positives)
    s = scores[order].copy()
    sd, med = spread(c, s[~is_pos] if not c.get("include_positives") else s)
    # step 8: mask positives
    if not c.get("include_positives"):
        s[is_pos] = -np.inf
    # step 9: absolute margin -> relative margin -> max_score -> min_score
    m = absolute_margin(c, pref, sd, med)
    if m is not None:
        s[s > pref - m] = -np.inf
    if c.get("relative_margin") is not None:
        s[s > pref - abs(pref) * c["relative_margin"]] = -np.inf
    if c.get("max_score") is not None:
        s[s > c["max_score"]] = -np.inf
    if c.get("min_score") is not None:
        s[s < c["min_score"]] = -np.inf
    if c.get("percpos") is not None:
        a = c["percpos"]
        if pref > 0:        # NV-Retriever: keep s < alpha P
            s[s >= a * pref] = -np.inf
        else:               # sign-safe fallback: the relative margin 1 - alpha
            s[s > pref - abs(pref) * (1 - a)] = -np.inf
    if c.get("rank_basis") == "raw":
        # FlagEmbedding: the window counts raw ranks, positives included
        raw = np.arange(1, len(s) + 1)
        keep = [i for i in range(len(s)) if rmin < raw[i] <= rmax and np.isfinite(s[i])]
        keep.sort(key=lambda i: -s[i])
        return [(order[i], scores[order[i]]) for i in keep[:n_neg]]
    # step 10: top range_max of the filtered scores (-inf sinks; stable keeps
    # the id tie order), then skip range_min
    keep = np.argsort(-s, kind="stable")[:rmax][rmin:]
    keep = [i for i in keep if np.isfinite(s[i])]
    # step 11: top
    return [(order[i], scores[order[i]]) for i in keep[:n_neg]]


def write_tsv(f, name, rows):
    for r in rows:
        f.write("\t".join(fmt(x) for x in (name,) + tuple(r)) + "\n")


def fmt(x):
    if isinstance(x, (list, tuple)):
        return "{" + ",".join(fmt(v) for v in x) + "}"
    if isinstance(x, (float, np.floating)):
        return repr(float(x))
    return str(x)


def calibrate(c, qids, scores, doc_ids, qrels, max_positives):
    """auto_calibrate, derived without search: a candidate survives the searched
    margin theta iff its critical value v >= theta (v = P - s for absolute_margin,
    (P - s) / |P| for relative_margin, (P - s) / sd for lambda), so the largest
    theta keeping a mean of T per (query, reference) is the ceil(T n)-th largest v
    over the n references (0 if there are not that many, at most 1 for relative)."""
    knob = ("margin_lambda" if c.get("margin_mode") else
            "relative_margin" if c.get("relative_margin") is not None else "absolute_margin")
    vals, n = [], 0
    for qi, q in enumerate(qids):
        positives = sorted(p for p in qrels.get(q, ()) if p in doc_set)
        if not positives:
            continue
        order, is_pos = pool(c, scores[qi], doc_ids, set(positives), max_positives)
        neg = scores[qi][order][~is_pos]
        sd, _ = spread(c, neg)
        for pref in references(c, [scores[qi][doc_index[p]] for p in positives]):
            n += 1
            gap = pref - neg
            if knob == "absolute_margin":
                vals.extend(gap)
            elif knob == "relative_margin":
                vals.extend(np.minimum(gap / abs(pref), 1.0))
            else:
                vals.extend(gap[gap >= 0] / sd if sd > 0 else [])
    vals = np.sort(np.asarray(vals))[::-1]
    need = int(np.ceil(c["auto_calibrate"] * n - 1e-9))
    theta = max(float(vals[need - 1]), 0.0) if 0 < need <= len(vals) else 0.0
    return knob, theta, n


def read_teacher(path):
    """(query id, doc id) -> score of a TREC run file (the stand-in teacher)."""
    t = {}
    with open(path) as f:
        for line in f:
            q, _, d, _, score = line.split()[:5]
            t[(int(q), int(d))] = float(score)
    assert all(abs(v - PSEUDO_MIN) > 1e-3 for v in t.values())
    return t


def pseudo_positives(c, q, scores_q, positives, max_positives):
    """Pool candidates that are not positives and whose teacher score is >= teacher_pos_min."""
    if c.get("teacher_pos_min") is None:
        return []
    order, is_pos = pool(c, scores_q, doc_ids, set(positives), max_positives)
    return [int(doc_ids[i]) for i, p in zip(order, is_pos)
            if not p and teacher.get((q, int(doc_ids[i])), -np.inf) >= c["teacher_pos_min"]]


def run_case(name, c, qids, scores, doc_ids, qrels, max_positives, files):
    trip, ntup, pair, lst = [], [], [], []
    if c.get("auto_calibrate") is not None:
        knob, theta, n = calibrate(c, qids, scores, doc_ids, qrels, max_positives)
        files["calibration"].write("%s\t%s\t%r\t%d\n" % (name, knob, theta, n))
        c = dict(c, **{knob: theta})
    n_neg = c.get("num_negatives", 3)
    for qi, q in enumerate(qids):
        positives = sorted(p for p in qrels.get(q, ()) if p in doc_set)
        if not positives:
            continue
        # pseudo-positives are positives from here on: own rows, and they count for P
        positives = positives + pseudo_positives(c, q, scores[qi], positives, max_positives)
        pos_scores = [scores[qi][doc_index[p]] for p in positives]
        refs = references(c, pos_scores)
        per_ref = [mine_query(c, scores[qi], doc_ids, set(positives), max_positives, r) for r in refs]
        # step 12: the same negatives for every positive of the query
        for j, p in enumerate(positives):
            negs = per_ref[j] if len(per_ref) > 1 else per_ref[0]
            ps = scores[qi][doc_index[p]]
            for r, (d, sc) in enumerate(negs, 1):
                trip.append((q, p, doc_ids[d], r, sc, ps))
            if len(negs) == n_neg:      # n-tuple drops rows with a missing slot
                ntup.append((q, p, [doc_ids[d] for d, _ in negs], [ps] + [sc for _, sc in negs]))
            # labeled formats: a (query, positive) without negatives has no rows
            if negs:
                pair.append((q, p, p, 1, ps, 0))
            for r, (d, sc) in enumerate(negs, 1):
                pair.append((q, p, doc_ids[d], 0, sc, r))
            if negs:
                lst.append((q, p, [p] + [doc_ids[d] for d, _ in negs], [1] + [0] * len(negs),
                            [ps] + [sc for _, sc in negs]))
    for fmt_name, rows in (("triplet", trip), ("ntuple", ntup), ("pair", pair), ("list", lst)):
        write_tsv(files[fmt_name], name, rows)
    return len(trip)


def sql_args(c):
    parts = []
    for k, v in sorted(c.items()):
        if isinstance(v, bool):
            v = "true" if v else "false"
        elif isinstance(v, str):
            v = "'" + v + "'"
        parts.append("%s => %s" % (k, v))
    return ", ".join(parts)


def vec_text(v):
    return "{" + ",".join(str(x) for x in v) + "}"


if __name__ == "__main__":
    vdir, qrels_path, out, teacher_path = sys.argv[1:5]
    teacher = read_teacher(teacher_path)
    os.makedirs(out, exist_ok=True)
    docs = read_fvecs(os.path.join(vdir, "docs.fvecs"))
    doc_ids = np.array(read_ids(os.path.join(vdir, "docs.ids")))
    queries = read_fvecs(os.path.join(vdir, "queries_train.fvecs"))
    qids = read_ids(os.path.join(vdir, "queries_train.ids"))
    qrels = read_qrels(qrels_path)
    doc_set = set(doc_ids.tolist())
    doc_index = {d: i for i, d in enumerate(doc_ids.tolist())}
    # max_positives: the largest positive count of any query in the qrels input
    max_positives = max(len(v) for v in qrels.values())

    if not os.path.exists(os.path.join(out, "docs.tsv")):
        with open(os.path.join(out, "docs.tsv"), "w") as f:
            for i, v in zip(doc_ids, docs):
                f.write("%d\t%s\n" % (i, vec_text(v)))
        with open(os.path.join(out, "queries.tsv"), "w") as f:
            for i, v in zip(qids, queries):
                f.write("%d\t%s\n" % (i, vec_text(v)))
        with open(qrels_path) as src, open(os.path.join(out, "qrels.tsv"), "w") as f:
            f.write(src.read())
    with open(os.path.join(out, "teacher.tsv"), "w") as f:
        for (q, d), v in sorted(teacher.items()):
            f.write("%d\t%d\t%r\n" % (q, d, v))

    sims = {}
    files = {k: open(os.path.join(out, k + ".tsv"), "w")
             for k in ("triplet", "ntuple", "pair", "list", "calibration")}
    with open(os.path.join(out, "cases.tsv"), "w") as f:
        for name, c in CASES.items():
            metric = c.get("metric", "cosine")
            if metric not in sims:
                sims[metric] = similarity(metric, queries.astype(np.float64), docs.astype(np.float64))
            n = run_case(name, c, qids, sims[metric], doc_ids, qrels, max_positives, files)
            f.write("%s\t%s\t%d\t%d\n" % (name, sql_args(c), c.get("num_negatives", 3), n))
            print("%-16s %6d triplets  (%s)" % (name, n, sql_args(c)))
    for fh in files.values():
        fh.close()
