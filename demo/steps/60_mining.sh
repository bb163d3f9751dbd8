# demo step: hard negatives into a training table.
step "hard negatives: sentence-transformers defaults, mined into a training table"
timed sql -c "CREATE TABLE cranfield.train AS
              SELECT * FROM mine_hard_negatives('SELECT id, embedding FROM cranfield.queries',
                                                'SELECT id, embedding FROM cranfield.docs',
                                                'SELECT query_id, doc_id, relevance FROM cranfield.qrels')"
sql -c "SELECT count(*) AS rows, count(DISTINCT query_id) AS queries, round(avg(score)::numeric, 3) AS mean_negative,
               round(avg(positive_score)::numeric, 3) AS mean_positive FROM cranfield.train"
sql -c "SELECT query_id, positive_id, negative_id, negative_rank, kept_rank, negative_rank_raw,
               round(score::numeric, 3) AS score, source
        FROM cranfield.train WHERE query_id = 1 ORDER BY positive_id, negative_rank LIMIT 6"
say "One row per (query, positive, negative), with provenance: the rank among survivors of every filter" \
    "(kept_rank) and in the raw candidate list (negative_rank_raw), the candidate source and a filter trace." \
    "The same negatives as sentence-transformers v6 with the same parameters (tested on SciFact)."
$short || sql -c "SELECT left(line, 150) || ' ...' AS \"first JSON line for FlagEmbedding\"
        FROM hard_negatives_jsonl('cranfield.train', 'flagembedding',
                                  'SELECT id, text FROM cranfield.queries', 'SELECT id, text FROM cranfield.docs') line
        LIMIT 1"
