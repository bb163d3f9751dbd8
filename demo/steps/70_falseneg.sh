# demo step: false negatives — where they hide (judged@k) and which dense negatives are suspicious.
step "false negatives: how much of each run's top k was ever judged"
timed sql -c "SELECT run_id, rank_hi AS k, round(judged::numeric, 3) AS judged,
                     round(relevant_among_judged::numeric, 3) AS relevant_among_judged
              FROM pooling_report('SELECT run_id, query_id, doc_id, score FROM cranfield.runs',
                                  'TABLE cranfield.qrels', '{10,100}')
              WHERE scope = 'top' ORDER BY run_id, k"

step "false negatives: judges saw only BM25's top 10; score the dense run's unjudged candidates"
sql -c "SET client_min_messages = warning; DROP TABLE IF EXISTS cranfield.pool_qrels;
        CREATE TABLE cranfield.pool_qrels AS
          SELECT r.query_id, r.doc_id, coalesce(max(q.relevance), 0) AS relevance
          FROM cranfield.runs r LEFT JOIN cranfield.qrels q USING (query_id, doc_id)
          WHERE r.run_id = 'bm25' AND r.rank <= 10 GROUP BY 1, 2"
timed sql -c "SELECT count(*) FILTER (WHERE f.relevance IS NULL) AS unjudged,
                     count(*) FILTER (WHERE f.relevance IS NULL AND dropped) AS flagged,
                     count(q.doc_id) FILTER (WHERE f.relevance IS NULL AND dropped) AS flagged_truly_relevant,
                     count(q.doc_id) FILTER (WHERE f.relevance IS NULL) AS unjudged_truly_relevant
              FROM fn_scores('SELECT query_id, doc_id, score, rank FROM cranfield.runs WHERE run_id = ''use-lite''',
                             'TABLE cranfield.pool_qrels', 'propensity,knn', fn_threshold => 0.4,
                             pooled_runs => 'SELECT query_id, doc_id, score FROM cranfield.runs WHERE run_id = ''bm25''',
                             queries => 'TABLE cranfield.queries', corpus => 'TABLE cranfield.docs') f
              LEFT JOIN cranfield.qrels q ON q.query_id = f.query_id AND q.doc_id = f.doc_id AND q.relevance > 0"
say "judged@k: how much of each run's top k the assessors ever saw; false negatives hide in the rest." \
    "fn_scores flags candidates that are likely relevant though unjudged; the last two columns count," \
    "against the full judgments, how many flagged (and all) unjudged candidates really are relevant."
