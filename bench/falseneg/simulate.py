#!/usr/bin/python3
"""Shallow-pooling simulation: how many mined negatives are hidden positives?

For each collection the judges are simulated as having seen only the top 10 of one
system (BM25): the miner gets the qrels of that pool (relevant, or judged non-relevant
when a pooled document is not in the qrels) and nothing else.  Every other relevant
document is hidden and serves as ground truth.  Negatives are mined with the dense
USE-lite vectors, all inside the database:

  (a) sentence-transformers defaults   mine_hard_negatives(...)
  (b) NV-Retriever TopK-PercPos 95%    mine_hard_negatives(..., percpos => 0.95)
  (c) hardneg estimators               fn_weights / knn_noise_flags / denoise over the
                                       knn_search top 200, drop p > tau, top num_negatives

Reported per num_negatives: false-negative rate (share of mined negatives that are
hidden positives) and hardness (mean score of kept negatives / that of (a)).
Environment: PSQL (psql binary) and the PG* variables of the cluster (run.sh sets them).
"""
import csv
import io
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.normpath(os.path.join(ROOT, "..", "shared", "data"))
PSQL = os.environ.get("PSQL", "psql")
COLLECTIONS = [("cranfield", "", ""), ("scifact", "_train", "_train")]
KS = (3, 10)
TAUS = (0.1, 0.2, 0.3, 0.4, 0.5)
DEPTH = 500            # dense candidates scored by the estimators
POOL_DEPTH = 10        # judged depth of the pooled system

# estimator combinations: name -> SQL expression of the combined p (max, as hn_fn_combine)
METHODS = {
    "propensity": "pp",
    "knn": "pk",
    "teacher": "pt",
    "propensity,knn": "greatest(pp, pk)",
    "knn,teacher": "greatest(pk, pt)",
    "propensity,knn,teacher": "pall",  # fn_scores' own combination
}


def psql(sql, db="postgres"):
    out = subprocess.run([PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-F", "\t", "-d", db],
                         input=sql, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("psql failed:\n" + out.stderr)
    return [line.split("\t") for line in out.stdout.splitlines() if line]


def fvecs(path):
    a = np.fromfile(path, dtype=np.int32)
    d = a[0]
    return a.reshape(-1, d + 1)[:, 1:].view(np.float32)


def write_vectors(path, vec_file, id_file):
    ids = [l.strip() for l in open(id_file)]
    v = fvecs(vec_file)
    with open(path, "w") as f:
        for i, row in zip(ids, v):
            f.write(i + "\t{" + ",".join(repr(float(x)) for x in row) + "}\n")


def write_run(path, run_file):
    with open(path, "w") as f:
        for line in open(run_file):
            q, _, d, rank, score, _ = line.split()
            f.write("\t".join((q, d, rank, score)) + "\n")


def load(coll, qsuffix, rsuffix, tmp):
    vec = os.path.join(DATA, "vectors", "use-lite", coll)
    write_vectors(os.path.join(tmp, "docs.tsv"), vec + "/docs.fvecs", vec + "/docs.ids")
    write_vectors(os.path.join(tmp, "queries.tsv"), vec + "/queries%s.fvecs" % qsuffix,
                  vec + "/queries%s.ids" % qsuffix)
    write_run(os.path.join(tmp, "bm25.tsv"),
              os.path.join(DATA, "runs", coll, "queries%s.bm25.run" % rsuffix))
    qrels = os.path.join(DATA, "ir", coll, "qrels%s.tsv" % qsuffix)
    psql("""
DROP TABLE IF EXISTS docs, queries, qrels_full, bm25, qrels_vis, hidden, qset, cand,
	s_prop, s_knn, s_teach, s_all, scored CASCADE;
CREATE TABLE docs (id bigint PRIMARY KEY, embedding real[]);
CREATE TABLE queries (id bigint PRIMARY KEY, embedding real[]);
CREATE TABLE qrels_full (query_id bigint, doc_id bigint, relevance int);
CREATE TABLE bm25 (query_id bigint, doc_id bigint, rank int, score float8);
\\copy docs FROM '%(tmp)s/docs.tsv'
\\copy queries FROM '%(tmp)s/queries.tsv'
\\copy qrels_full FROM '%(qrels)s'
\\copy bm25 FROM '%(tmp)s/bm25.tsv'
-- the judged pool: BM25 top %(depth)d; a pooled document missing from the qrels was judged non-relevant
CREATE TABLE qrels_vis AS
	SELECT b.query_id, b.doc_id, coalesce(max(q.relevance), 0) AS relevance
	FROM bm25 b LEFT JOIN qrels_full q USING (query_id, doc_id)
	WHERE b.rank <= %(depth)d GROUP BY 1, 2;
CREATE TABLE hidden AS
	SELECT DISTINCT query_id, doc_id FROM qrels_full q
	WHERE relevance > 0 AND NOT EXISTS
		(SELECT 1 FROM qrels_vis v WHERE v.query_id = q.query_id AND v.doc_id = q.doc_id);
CREATE TABLE qset AS SELECT DISTINCT query_id FROM qrels_vis WHERE relevance > 0;
ANALYZE;
""" % {"tmp": tmp, "qrels": qrels, "depth": POOL_DEPTH})


def score_candidates():
    psql("""
CREATE TABLE cand AS
	SELECT query_id, doc_id, rank, score::float8 AS score
	FROM knn_search('SELECT id, embedding FROM queries WHERE id IN (SELECT query_id FROM qset)',
					'SELECT id, embedding FROM docs', %(depth)d);
CREATE TABLE s_prop AS
	SELECT query_id, doc_id, p_false_negative AS p
	FROM fn_weights('SELECT query_id, doc_id, score, rank FROM cand', 'TABLE qrels_vis',
					'SELECT query_id, doc_id, score FROM bm25');
CREATE TABLE s_knn AS
	SELECT query_id, doc_id, p_false_negative AS p
	FROM knn_noise_flags('SELECT query_id, doc_id, score, rank FROM cand', 'TABLE qrels_vis',
						 'TABLE queries', 'TABLE docs', k => 10, doc_k => 3);
-- teacher: the pooled system's own scores below the pool depth, Platt-calibrated on the pool
CREATE TABLE s_teach AS
	SELECT query_id, doc_id, p_false_negative AS p
	FROM denoise('SELECT query_id, doc_id, score, rank FROM cand',
				 'SELECT query_id, doc_id, score FROM bm25', 'TABLE qrels_vis',
				 neg_max => 0.5, pos_min => 1.0, scan_depth => NULL, calibrate => 'platt');
-- the combined scorer (what mine_hard_negatives is to call) on the same candidates
CREATE TABLE s_all AS
	SELECT query_id, doc_id, p_false_negative AS p
	FROM fn_scores('SELECT query_id, doc_id, score, rank FROM cand', 'TABLE qrels_vis',
				   'propensity,knn,teacher', pooled_runs => 'SELECT query_id, doc_id, score FROM bm25',
				   queries => 'TABLE queries', corpus => 'TABLE docs',
				   teacher_scores => 'SELECT query_id, doc_id, score FROM bm25', calibrate => 'platt',
				   k => 10, doc_k => 3);
CREATE TABLE scored AS
	SELECT c.query_id, c.doc_id, c.rank, c.score,
		   coalesce(v.relevance > 0, false) AS vis_pos, h.doc_id IS NOT NULL AS hidden_pos,
		   coalesce(sp.p, 0) AS pp, coalesce(sk.p, 0) AS pk, coalesce(st.p, 0) AS pt, sa.p AS pall
	FROM cand c
	LEFT JOIN qrels_vis v USING (query_id, doc_id)
	LEFT JOIN hidden h USING (query_id, doc_id)
	LEFT JOIN s_prop sp USING (query_id, doc_id)
	LEFT JOIN s_knn sk USING (query_id, doc_id)
	LEFT JOIN s_teach st USING (query_id, doc_id)
	LEFT JOIN s_all sa USING (query_id, doc_id);
ANALYZE scored;
""" % {"depth": DEPTH})


def measure(select_sql):
    """n, false negatives, mean score, mean dense rank of a (query_id, doc_id, score, rank) selection."""
    row = psql("""
SELECT count(*), count(h.doc_id), avg(s.score), avg(s.rank)
FROM (%s) s LEFT JOIN hidden h USING (query_id, doc_id);""" % select_sql)[0]
    return int(row[0]), int(row[1]), float(row[2] or 0), float(row[3] or 0)


def mined(k, extra=""):
    return """SELECT DISTINCT query_id, negative_id AS doc_id, score::float8 AS score, negative_rank_raw AS rank
	FROM mine_hard_negatives('SELECT id, embedding FROM queries WHERE id IN (SELECT query_id FROM qset)',
							 'SELECT id, embedding FROM docs', 'TABLE qrels_vis', num_negatives => %d%s)""" % (k, extra)


def kept(k, p_expr, tau):
    return """SELECT query_id, doc_id, score, rank FROM (
	SELECT *, row_number() OVER (PARTITION BY query_id ORDER BY rank) AS rn
	FROM scored WHERE NOT vis_pos AND NOT (%s > %s)) s WHERE rn <= %d""" % (p_expr, tau, k)


def expected_fn(k):
    """Sum of the propensity p over (a)'s negatives: the estimator's own guess of their false negatives."""
    return float(psql("""SELECT sum(pp) FROM (%s) s JOIN scored USING (query_id, doc_id)""" % mined(k))[0][0])


def mining_has_fn():
    """True when mine_hard_negatives takes pooled_runs, i.e. its false-negative stage is wired
    to src/falseneg (kept so the script also runs against builds from before that)."""
    return psql("""SELECT count(*) FROM pg_proc WHERE proname = 'mine_hard_negatives'
	AND 'pooled_runs' = ANY (proargnames)""")[0][0] != "0"


def collection_rows(coll):
    rows = []
    through_mining = mining_has_fn()
    nq = int(psql("SELECT count(*) FROM qset")[0][0])
    nhidden = int(psql("SELECT count(*) FROM hidden WHERE query_id IN (SELECT query_id FROM qset)")[0][0])
    for k in KS:
        base = measure(mined(k))
        rows.append((coll, k, "(a) sentence-transformers defaults", "", base, base, None))
        rows.append((coll, k, "(b) NV TopK-PercPos 95%", "", measure(mined(k, ", percpos => 0.95")), base, None))
        rows.append((coll, k, "top-k of knn_search (check = (a))", "", measure(kept(k, "0", 1)), base, None))
        for name, expr in METHODS.items():
            for tau in TAUS:
                rows.append((coll, k, "(c) " + name, tau, measure(kept(k, expr, tau)), base, None))
        if through_mining:
            for name in ("propensity", "knn", "propensity,knn"):
                for tau in TAUS:
                    extra = (", false_negatives => '%s', fn_threshold => %s, "
                             "pooled_runs => 'SELECT query_id, doc_id, score FROM bm25'" % (name, tau))
                    rows.append((coll, k, "(d) mine_hard_negatives " + name, tau, measure(mined(k, extra)), base, None))
        rows.append((coll, k, "propensity estimate of (a)'s FN count", "", base, base, expected_fn(k)))
    return nq, nhidden, rows


def pooling(coll):
    return psql("""SELECT rank_lo, rank_hi, round(judged::numeric, 3)
	FROM pooling_report('SELECT query_id, doc_id, score FROM cand', 'TABLE qrels_vis', '{10,100}')
	WHERE scope = 'top' ORDER BY rank_hi""")


def fmt(rows):
    out = ["| collection | k | method | tau | negatives | false negatives | FN rate | FN vs (a) | mean score | hardness vs (a) | mean dense rank |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for coll, k, name, tau, (n, f, s, rk), (bn, bf, bs, brk), est in rows:
        if est is not None:
            out.append("| %s | %d | %s | | %d | est. %.1f (true %d) | | | | | |" % (coll, k, name, n, est, f))
            continue
        rate = f / n if n else 0
        brate = bf / bn if bn else 0
        rel = ("%.2f" % (rate / brate)) if brate else "-"
        out.append("| %s | %d | %s | %s | %d | %d | %.4f | %s | %.4f | %.3f | %.1f |" % (
            coll, k, name, tau, n, f, rate, rel, s, s / bs if bs else 0, rk))
    return "\n".join(out)


def summary(rows):
    """Per (collection, k): the hardneg setting with the lowest FN rate among those that
    return as many negatives as (a) and keep at least 80% of its mean score."""
    out = ["| collection | k | (a) FN rate | (b) FN rate, negatives, hardness | best hardneg setting (equal count) | its FN rate | FN vs (a) | hardness vs (a) | mean dense rank (a) -> best |",
           "|---|---|---|---|---|---|---|---|---|"]
    for coll, k in sorted({(r[0], r[1]) for r in rows}):
        group = [r for r in rows if r[0] == coll and r[1] == k and r[6] is None]
        base = group[0][5]
        nv = [r for r in group if r[2].startswith("(b)")][0][4]
        ok = [r for r in group if r[2].startswith("(c)") and r[4][0] == base[0] and r[4][2] >= 0.8 * base[2]]
        ok.sort(key=lambda r: (r[4][1], -r[4][2]))
        rate = lambda t: t[1] / t[0] if t[0] else 0
        nvtxt = "%.4f, %d, %.3f" % (rate(nv), nv[0], nv[2] / base[2])
        if not ok:
            out.append("| %s | %d | %.4f | %s | none | | | | |" % (coll, k, rate(base), nvtxt))
            continue
        b = ok[0]
        out.append("| %s | %d | %.4f | %s | %s, tau %s | %.4f | %s | %.3f | %.1f -> %.1f |" % (
            coll, k, rate(base), nvtxt, b[2][4:], b[3], rate(b[4]),
            ("%.2f" % (rate(b[4]) / rate(base))) if rate(base) else "-", b[4][2] / base[2], base[3], b[4][3]))
    return "\n".join(out)


def main():
    report = []
    allrows = []
    for coll, qs, rs in COLLECTIONS:
        with tempfile.TemporaryDirectory() as tmp:
            os.chmod(tmp, 0o755)
            load(coll, qs, rs, tmp)
        score_candidates()
        nq, nh, rows = collection_rows(coll)
        allrows += rows
        judged = pooling(coll)
        # fn_scores must combine exactly as the per-estimator functions do (max)
        bad = psql("SELECT count(*) FROM scored WHERE NOT vis_pos AND abs(pall - greatest(pp, pk, pt)) > 1e-12")[0][0]
        report.append("fn_scores vs max of fn_weights / knn_noise_flags / denoise: %s rows differ\n" % bad)
        report.append("### %s: %d queries with a visible positive, %d hidden positives\n" % (coll, nq, nh))
        report.append("judged@10 / judged@100 of the dense run: %s\n" % " / ".join(r[2] for r in judged))
        report.append(fmt(rows) + "\n")
    report.insert(0, "### Summary\n\n" + summary(allrows) + "\n")
    # machine-readable rows for the independent numpy check (check_numpy.py)
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "results.tsv"), "w") as f:
        for coll, k, name, tau, (n, fn, sc, rk), _, est in allrows:
            # (b), NV's anchor point, for the picture; check_numpy.py does not redo it
            if est is None and name[:3] in ("(a)", "(b)", "(c)"):
                f.write("%s\t%d\t%s\t%s\t%d\t%d\t%.6f\n" % (coll, k, name, tau, n, fn, sc))
    text = "\n".join(report)
    print(text)
    name = "results-through-mining.md" if mining_has_fn() else "results.md"
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), name), "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
