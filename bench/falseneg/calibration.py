#!/usr/bin/python3
"""Acceptance grid of issue 12: calibrated p_false_negative and the 'auto' miner.

For each collection (Cranfield; SciFact train) and each simulated pool (BM25 top 5, 10, 20;
BM25 + dense top 5) the miner gets the qrels of the pool (a pooled document missing from the
qrels counts as judged non-relevant) and the pooled runs; every other relevant document is
hidden truth.  Nothing is fitted on the truth: the calibrated model is fitted inside the visible
pool by each call (half-depth re-pooling), and its constants (ridge 1, depth share 1/2, the
+0.5 smoothing, refill depth 10 x num_negatives) were fixed before any of these numbers existed.
CISI is not used here (held-out collection; see --cisi).

(1) Calibration over the dense top 30 (unjudged candidates only):
    sum of p vs hidden positives, Brier skill against the best constant (the true rate of the
    cell: the strictest constant), AUC of p vs AUC of the raw dense score.
(2) Mining, num_negatives 3 and 10: sentence-transformers defaults, NV-Retriever TopK-PercPos
    95%, and mine_hard_negatives(false_negatives => 'auto', pooled_runs => ...); beside them the
    FlagEmbedding hn_mine recipe (raw ranks 11-210, uniform, random backfill) and the adaptive
    margin (margin_mode => 'adaptive' at its defaults, lambda 1 and top 10: nothing tuned).
With matplotlib (Debian python3-matplotlib) it draws the reliability diagram (mean p against the
observed rate per bin, for the calibrated p and, dashed, the uncalibrated propensity p of the
issue's setting) and the FN-rate vs hardness picture with the anchors' points
(docs/falseneg_reliability.png, docs/falseneg_tradeoff.png).
Environment: PSQL and the PG* variables of a cluster with hardneg (bash bench/falseneg/run.sh --calibration sets them).
"""
import os
import sys
import tempfile

import numpy as np
from sklearn.metrics import roc_auc_score

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simulate as sim  # noqa: E402  (loading helpers: psql, write_vectors, write_run)

HERE = os.path.dirname(os.path.abspath(__file__))
DOCS = os.path.join(sim.ROOT, "docs")
POOLS = [("bm25@5", 5, False), ("bm25@10", 10, False), ("bm25@20", 20, False), ("bm25+dense@5", 5, True)]
KS = (3, 10)
TOP = 30
POOLED = ("SELECT 'bm25' AS run_id, query_id, doc_id, score FROM bm25"
          " UNION ALL SELECT 'dense', query_id, doc_id, score FROM dense WHERE %s")


def load(coll, qs, rs, tmp):
    vec = os.path.join(sim.DATA, "vectors", "use-lite", coll)
    sim.write_vectors(os.path.join(tmp, "docs.tsv"), vec + "/docs.fvecs", vec + "/docs.ids")
    sim.write_vectors(os.path.join(tmp, "queries.tsv"), vec + "/queries%s.fvecs" % qs,
                      vec + "/queries%s.ids" % qs)
    runs = os.path.join(sim.DATA, "runs", coll)
    sim.write_run(os.path.join(tmp, "bm25.tsv"), runs + "/queries%s.bm25.run" % rs)
    sim.write_run(os.path.join(tmp, "dense.tsv"), runs + "/queries%s.use-lite.run" % rs)
    qrels = os.path.join(sim.DATA, "ir", coll, "qrels%s.tsv" % qs)
    sim.psql("""
DROP TABLE IF EXISTS docs, queries, qrels_full, bm25, dense CASCADE;
CREATE TABLE docs (id bigint PRIMARY KEY, embedding real[]);
CREATE TABLE queries (id bigint PRIMARY KEY, embedding real[]);
CREATE TABLE qrels_full (query_id bigint, doc_id bigint, relevance int);
CREATE TABLE bm25 (query_id bigint, doc_id bigint, rank int, score float8);
CREATE TABLE dense (query_id bigint, doc_id bigint, rank int, score float8);
\\copy docs FROM '%(t)s/docs.tsv'
\\copy queries FROM '%(t)s/queries.tsv'
\\copy qrels_full FROM '%(q)s'
\\copy bm25 FROM '%(t)s/bm25.tsv'
\\copy dense FROM '%(t)s/dense.tsv'
ANALYZE;
""" % {"t": tmp, "q": qrels})


def pool(depth, with_dense):
    dense = "(SELECT query_id, doc_id FROM dense WHERE rank <= %d)" % depth if with_dense else \
        "(SELECT NULL::bigint AS query_id, NULL::bigint AS doc_id WHERE false)"
    sim.psql("""
DROP TABLE IF EXISTS qrels_vis, hidden, qset, cand, sc CASCADE;
CREATE TABLE qrels_vis AS
	SELECT p.query_id, p.doc_id, coalesce(max(q.relevance), 0) AS relevance
	FROM (SELECT query_id, doc_id FROM bm25 WHERE rank <= %(d)d UNION SELECT * FROM %(dense)s dp) p
	LEFT JOIN qrels_full q USING (query_id, doc_id) GROUP BY 1, 2;
CREATE TABLE hidden AS
	SELECT DISTINCT query_id, doc_id FROM qrels_full q
	WHERE relevance > 0 AND NOT EXISTS
		(SELECT 1 FROM qrels_vis v WHERE v.query_id = q.query_id AND v.doc_id = q.doc_id);
CREATE TABLE qset AS SELECT DISTINCT query_id FROM qrels_vis WHERE relevance > 0;
CREATE TABLE cand AS
	SELECT query_id, doc_id, rank, score::float8 AS score
	FROM knn_search('SELECT id, embedding FROM queries WHERE id IN (SELECT query_id FROM qset)',
					'SELECT id, embedding FROM docs', %(top)d);
ANALYZE;
""" % {"d": depth, "dense": dense, "top": TOP})
    return POOLED % ("rank <= 100" if with_dense else "false")


def scored(q, methods):
    rows = sim.psql("""
SELECT s.p_false_negative, s.score, (h.doc_id IS NOT NULL)::int
FROM fn_scores('SELECT query_id, doc_id, score, rank FROM cand', 'TABLE qrels_vis', '%s',
			   pooled_runs => '%s') s
LEFT JOIN hidden h USING (query_id, doc_id) WHERE s.relevance IS NULL ORDER BY query_id, doc_id""" % (methods, q))
    a = np.array(rows, dtype=float)
    return a[:, 0], a[:, 1], a[:, 2]


def calibration(pooled):
    q = pooled.replace("'", "''")
    p, score, y = scored(q, "calibrated")
    p_raw = scored(q, "propensity")[0]     # the documented setting, for the picture
    model = sim.psql("SELECT fn_calibration('SELECT query_id, doc_id, score, rank FROM cand', "
                     "'TABLE qrels_vis', '%s')" % q)[0][0]
    brier = np.mean((p - y) ** 2)
    const = np.mean((y.mean() - y) ** 2)
    return {"n": len(y), "hidden": int(y.sum()), "sum_p": float(p.sum()),
            "brier": brier, "skill": 1 - brier / const if const > 0 else float("nan"),
            "auc_p": roc_auc_score(y, p) if 0 < y.sum() < len(y) else float("nan"),
            "auc_score": roc_auc_score(y, score) if 0 < y.sum() < len(y) else float("nan"),
            "p": p, "y": y, "p_raw": p_raw, "model": model}


def mined(k, extra=""):
    return """SELECT DISTINCT query_id, negative_id AS doc_id, score::float8 AS score
	FROM mine_hard_negatives('SELECT id, embedding FROM queries WHERE id IN (SELECT query_id FROM qset)',
							 'SELECT id, embedding FROM docs', 'TABLE qrels_vis', num_negatives => %d%s)""" % (k, extra)


def measure(sql):
    n, f, s = sim.psql("SELECT count(*), count(h.doc_id), avg(s.score) FROM (%s) s "
                       "LEFT JOIN hidden h USING (query_id, doc_id)" % sql)[0]
    return int(n), int(f), float(s or 0)


def mining(pooled, k):
    q = pooled.replace("'", "''")
    base = measure(mined(k))
    nv = measure(mined(k, ", percpos => 0.95"))
    auto = measure(mined(k, ", false_negatives => 'auto', pooled_runs => '%s'" % q))
    flag = measure(mined(k, ", range_min => 10, range_max => 210, rank_basis => 'raw', "
                            "sampling_strategy => 'uniform', backfill => 'random', seed => 42"))
    adaptive = measure(mined(k, ", margin_mode => 'adaptive'"))
    return base, nv, auto, flag, adaptive


def rel(x, b):
    return x / b if b else float("nan")


def run(collections):
    out, cal_rows, mine_rows, pics = [], [], [], {}
    for coll, qs, rs in collections:
        with tempfile.TemporaryDirectory() as tmp:
            os.chmod(tmp, 0o755)
            load(coll, qs, rs, tmp)
        for name, depth, with_dense in POOLS:
            pooled = pool(depth, with_dense)
            c = calibration(pooled)
            cal_rows.append((coll, name, c))
            pics.setdefault(coll, {})[name] = c
            for k in KS:
                mine_rows.append((coll, name, k) + mining(pooled, k))
            print("done", coll, name, file=sys.stderr)
    out.append("| collection | pool | unjudged in dense top 30 | hidden positives | sum of p | sum p / hidden | Brier | Brier skill vs constant | AUC of p | AUC of dense score | all three goals |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for coll, name, c in cal_rows:
        ratio = c["sum_p"] / c["hidden"] if c["hidden"] else float("nan")
        ok = abs(ratio - 1) <= 0.25 and c["skill"] > 0 and c["auc_p"] > c["auc_score"]
        out.append("| %s | %s | %d | %d | %.1f | %.2f | %.5f | %.3f | %.3f | %.3f | %s |" % (
            coll, name, c["n"], c["hidden"], c["sum_p"], ratio, c["brier"], c["skill"], c["auc_p"],
            c["auc_score"], "yes" if ok else "**no**"))
    out.append("")
    out.append("| collection | pool | k | ST defaults: FN rate (of pairs), mean score | NV PercPos 95%: FN rate, hardness, pairs vs ST | auto: FN rate | auto FN vs ST | auto hardness vs ST | auto pairs vs ST | goals (<= 0.5x, >= 0.8x, >= 0.95x) | Pareto-better than NV |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for coll, name, k, b, nv, a, _, _ in mine_rows:
        br, nr, ar = rel(b[1], b[0]), rel(nv[1], nv[0]), rel(a[1], a[0])
        fr, hr, pr = rel(ar, br), rel(a[2], b[2]), rel(a[0], b[0])
        ok = (fr <= 0.5 or b[1] == 0 and a[1] == 0) and hr >= 0.8 and pr >= 0.95
        pareto = ar <= nr and a[2] >= nv[2] and (ar < nr or a[2] > nv[2])
        out.append("| %s | %s | %d | %.4f (%d of %d), %.4f | %.4f, %.3f, %.2f | %.4f (%d of %d) | %.2fx | %.3f | %.3f | %s | %s |" % (
            coll, name, k, br, b[1], b[0], b[2], nr, rel(nv[2], b[2]), rel(nv[0], b[0]), ar, a[1], a[0],
            fr, hr, pr, "yes" if ok else "**no**", "yes" if pareto else "no"))
    out.append("")
    out.append("Beside them, same cells: the FlagEmbedding recipe and the adaptive margin (defaults):")
    out.append("")
    out.append("| collection | pool | k | FlagEmbedding: FN rate, hardness, pairs vs ST | adaptive margin: FN rate, hardness, pairs vs ST | adaptive FN vs ST |")
    out.append("|---|---|---|---|---|---|")
    for coll, name, k, b, _, _, fl, ad in mine_rows:
        out.append("| %s | %s | %d | %.4f (%d of %d), %.3f, %.2f | %.4f (%d of %d), %.3f, %.2f | %.2fx |" % (
            coll, name, k, rel(fl[1], fl[0]), fl[1], fl[0], rel(fl[2], b[2]), rel(fl[0], b[0]),
            rel(ad[1], ad[0]), ad[1], ad[0], rel(ad[2], b[2]), rel(ad[0], b[0]),
            rel(rel(ad[1], ad[0]), rel(b[1], b[0]))))
    out.append("")
    out.append("Fitted models (fn_calibration):")
    out.append("")
    for coll, name, c in cal_rows:
        out.append("- %s %s: `%s`" % (coll, name, c["model"]))
    text = "\n".join(out)
    if len(pics) > 1:  # the two tuning-free collections; never for the held-out run
        pictures(pics, mine_rows)
    return text


def pictures(pics, mine_rows):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing (Debian python3-matplotlib): no pictures", file=sys.stderr)
        return
    colls = sorted(pics)
    fig, axes = plt.subplots(1, len(colls), figsize=(5.5 * len(colls), 4.8), squeeze=False)
    edges = np.array([0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0])
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, coll in zip(axes[0], colls):
        for j, (name, c) in enumerate(pics[coll].items()):
            for key, style, label in (("p", "o-", name), ("p_raw", "x--", None)):
                p = c[key]
                b = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, len(edges) - 2)
                xs, ys, ns = [], [], []
                for i in range(len(edges) - 1):
                    m = b == i
                    if m.sum() >= 20:
                        xs.append(p[m].mean())
                        ys.append(c["y"][m].mean())
                        ns.append(m.sum())
                ax.plot(xs, ys, style, color=colors[j % len(colors)], label=label, alpha=1 if label else 0.5)
                if label:   # pairs per bin, so a reader can tell noise from miscalibration
                    for x, y_, n in zip(xs, ys, ns):
                        ax.annotate(str(n), (x, y_), fontsize=5, xytext=(2, 2), textcoords="offset points")
        ax.plot([], [], "kx--", alpha=0.5, label="uncalibrated propensity p")
        ax.plot([0, 1], [0, 1], "k:", label="perfect")
        ax.set_xscale("symlog", linthresh=0.01)
        ax.set_yscale("symlog", linthresh=0.01)
        ax.set_title("%s: reliability (dense top %d, unjudged)" % (coll, TOP), fontsize=10)
        ax.set_xlabel("mean p in bin (bins with >= 20 pairs; numbers: pairs)")
        ax.set_ylabel("observed rate of hidden positives")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(DOCS, "falseneg_reliability.png"), dpi=80)
    fig, axes = plt.subplots(1, len(colls), figsize=(5.5 * len(colls), 4.8), squeeze=False)
    series = (("ST defaults (anchor)", 3, "s"), ("NV PercPos 95% (anchor)", 4, "^"),
              ("FlagEmbedding hn_mine (anchor)", 6, "v"), ("hardneg auto", 5, "o"),
              ("hardneg adaptive margin", 7, "D"))
    for ax, coll in zip(axes[0], colls):
        for label, idx, marker in series:
            pts = [(r[idx][2] / r[3][2], r[idx][1] / r[idx][0] if r[idx][0] else 0)
                   for r in mine_rows if r[0] == coll]
            ax.scatter([p[0] for p in pts], [p[1] for p in pts], marker=marker, label=label)
        ax.set_title("%s: FN rate vs hardness (4 pools x k 3, 10)" % coll, fontsize=10)
        ax.set_xlabel("hardness: mean negative score / ST defaults'")
        ax.set_ylabel("false-negative rate of mined pairs")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(DOCS, "falseneg_tradeoff.png"), dpi=80)


def main():
    if "--cisi" in sys.argv:
        text = run([("cisi", "", "")])
        name = "calibration-cisi.md"
    else:
        colls = [("cranfield", "", ""), ("scifact", "_train", "_train")]
        if "--only" in sys.argv:
            colls = [c for c in colls if c[0] == sys.argv[sys.argv.index("--only") + 1]]
        text = run(colls)
        name = "calibration.md"
    print(text)
    with open(os.path.join(HERE, name), "w") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main()
