# demo step: exact k-NN for every query at once.
step "exact k-NN: the 10 nearest abstracts of all 225 queries in one call (BLAS tiles, bounded heaps)"
timed sql -c "CREATE TABLE cranfield.dense_top10 AS
              SELECT * FROM knn_search('SELECT id, embedding FROM cranfield.queries',
                                       'SELECT id, embedding FROM cranfield.docs', 10)"
sql -c "SELECT count(*) AS rows, count(DISTINCT k.query_id) AS queries,
               round(avg(k.score)::numeric, 4) AS mean_cosine,
               round(avg((q.relevance IS NOT NULL)::int)::numeric, 4) AS share_judged_relevant
        FROM cranfield.dense_top10 k
        LEFT JOIN cranfield.qrels q ON q.query_id = k.query_id AND q.doc_id = k.doc_id AND q.relevance > 0"
say "Exact: every query is scored against every document, memory bounded by work_mem, ties broken by id." \
    "The last column is P@10 of the dense model against the judgments."
