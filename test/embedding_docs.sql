-- pgTAP: every SQL example of docs/embedding.md runs, in order (the
-- statements are extracted by test/prepare.d/embedding.py).
\setenv HN_TESTDATA :HN_TESTDATA
BEGIN;
CREATE TEMP TABLE doc_examples (n int, stmt text);
\copy doc_examples FROM PROGRAM 'cat "$HN_TESTDATA/emb_doc_examples.tsv"'
SELECT plan(1 + (SELECT count(*)::int FROM doc_examples));

SELECT cmp_ok((SELECT count(*)::int FROM doc_examples), '>=', 15, 'docs/embedding.md has its examples');
SELECT lives_ok(stmt, format('docs/embedding.md example %s: %s', n, left(regexp_replace(stmt, '\s+', ' ', 'g'), 60)))
  FROM (SELECT * FROM doc_examples ORDER BY n) s;

SELECT * FROM finish();
ROLLBACK;
