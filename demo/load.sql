-- Loads the shipped Cranfield collection (test/data/cranfield) into schema cranfield.
-- psql variable :data is the directory holding the TSV files made by demo/run.sh.
CREATE SCHEMA IF NOT EXISTS cranfield;
-- cranfield first, then the session's path (hardneg may be in a schema of its own on it)
SELECT set_config('search_path', 'cranfield, ' || current_setting('search_path'), false) \gset
SET client_min_messages = warning;

DROP TABLE IF EXISTS docs, queries, qrels, runs CASCADE;
CREATE TABLE docs (id bigint PRIMARY KEY, text text NOT NULL, embedding embedding(512));
CREATE TABLE queries (id bigint PRIMARY KEY, text text NOT NULL, embedding embedding(512));
CREATE TABLE qrels (query_id bigint, doc_id bigint, relevance int NOT NULL, PRIMARY KEY (query_id, doc_id));
CREATE TABLE runs (run_id text, query_id bigint, doc_id bigint, rank int, score double precision,
				   PRIMARY KEY (run_id, query_id, doc_id));

CREATE TEMP TABLE vec (id bigint, embedding embedding(512));
\set f :data '/docs.tsv'
COPY docs (id, text) FROM :'f';
\set f :data '/docs.vec.tsv'
COPY vec FROM :'f';
UPDATE docs d SET embedding = v.embedding FROM vec v WHERE v.id = d.id;
TRUNCATE vec;
\set f :data '/queries.tsv'
COPY queries (id, text) FROM :'f';
\set f :data '/queries.vec.tsv'
COPY vec FROM :'f';
UPDATE queries q SET embedding = v.embedding FROM vec v WHERE v.id = q.id;
\set f :data '/qrels.tsv'
COPY qrels FROM :'f';
\set f :data '/runs.tsv'
COPY runs FROM :'f';
ANALYZE docs, queries, qrels, runs;
