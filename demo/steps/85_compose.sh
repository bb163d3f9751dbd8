# demo step: compose the training set: topic batches, masked in-batch positives, a STAR mix, a diverse subset.
step "training-set composition: TAS-Balanced batches, in-batch collisions, a STAR mix, a diverse subset"
timed sql -c "DROP TABLE IF EXISTS cranfield.batches;
              CREATE TABLE cranfield.batches AS
              SELECT * FROM assign_batches('SELECT id, embedding FROM cranfield.queries', 32, 'tas', seed => 1)"
sql -c "SELECT count(DISTINCT batch_id) AS batches,
               round(avg(n)::numeric, 1) AS mean_clusters_per_batch
        FROM (SELECT batch_id, count(DISTINCT cluster) n FROM cranfield.batches GROUP BY 1) s"
sql -c "SELECT count(*) AS pairs_to_mask
        FROM inbatch_collisions('SELECT epoch, batch_id, query_id FROM cranfield.batches',
                                'SELECT query_id, doc_id FROM cranfield.qrels WHERE relevance > 0',
                                'SELECT query_id, doc_id, relevance FROM cranfield.qrels')"
sql -c "SELECT source, count(*) FROM mix_negatives(
            \$\$SELECT query_id, doc_id, rank FROM cranfield.runs WHERE run_id = 'use-lite'\$\$,
            'SELECT id FROM cranfield.docs', 'SELECT query_id, doc_id, relevance FROM cranfield.qrels', 4, 4)
        GROUP BY 1 ORDER BY 1"
sql -c "SELECT step, id, round(gain::numeric, 2) AS gain
        FROM select_diverse('SELECT id, embedding FROM cranfield.queries', 5, 'facility_location', knn_graph_k => 20)"
say "Topic batches put similar queries together (harder in-batch negatives); the collisions are the in-batch" \
    "documents that are positives of another query in the batch, which a trainer must mask; see docs/composition.md."
