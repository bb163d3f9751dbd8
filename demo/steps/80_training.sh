# demo step: the training table with and without false-negative correction, against hidden judgments.
step "false negatives in the training table: mine against the shallow pool, with and without correction"
for mode in none propensity,knn; do
	timed sql -c "DROP TABLE IF EXISTS cranfield.\"train_$mode\";
	              CREATE TABLE cranfield.\"train_$mode\" AS
	              SELECT * FROM mine_hard_negatives('SELECT id, embedding FROM cranfield.queries',
	                                                'SELECT id, embedding FROM cranfield.docs',
	                                                'SELECT query_id, doc_id, relevance FROM cranfield.pool_qrels',
	                                                num_negatives => 10, false_negatives => '$mode', fn_threshold => 0.4,
	                                                pooled_runs => 'SELECT query_id, doc_id, score FROM cranfield.runs WHERE run_id = ''bm25''')"
done
sql -c "SELECT t.mode, count(*) AS negatives,
               count(q.doc_id) AS hidden_positives,
               round(count(q.doc_id)::numeric / count(*), 4) AS false_negative_rate,
               round(avg(t.score)::numeric, 3) AS mean_score
        FROM (SELECT 'none' AS mode, * FROM cranfield.\"train_none\"
              UNION ALL SELECT 'propensity,knn', * FROM cranfield.\"train_propensity,knn\") t
        LEFT JOIN cranfield.qrels q ON q.query_id = t.query_id AND q.doc_id = t.negative_id AND q.relevance > 0
        GROUP BY t.mode ORDER BY t.mode DESC"
say "The miner saw only the judgments inside BM25's top 10 (pool_qrels); the full qrels are the truth." \
    "'none' is what every public miner does. hardneg's estimators (judging propensity per rank bucket, and" \
    "labels of neighbouring queries) drop likely unjudged positives; see docs/false-negatives.md."
