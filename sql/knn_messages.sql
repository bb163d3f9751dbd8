-- knn_search: messages and hints of invalid calls, text ids, progress NOTICEs.
\set VERBOSITY default
CREATE TABLE knn_m AS
	SELECT i AS id, 'doc' || i AS name, ARRAY[i % 4, 1, (i * 3) % 5]::real[] AS embedding
	FROM generate_series(1, 12) i;
SELECT * FROM knn_search('SELECT 1', 'SELECT 1', 0);
SELECT * FROM knn_search('SELECT 1', 'SELECT 1', 3, 'hamming');
SELECT * FROM knn_search('SELECT 1', 'SELECT 1', 3, 'cosine', 'approximate');
SELECT * FROM knn_search('SELECT 1', 'SELECT 1', NULL);
SELECT * FROM knn_search('SELECT 1 AS id, ARRAY[1, 2]::real[] AS embedding', 'SELECT id, embedding FROM knn_m', 3);
SELECT * FROM knn_search('SELECT 1 AS id, ARRAY[0, 0, 0]::real[] AS embedding', 'SELECT id, embedding FROM knn_m', 3);
SELECT * FROM knn_search('SELECT 1 AS id, ARRAY[1, 0, 0]::real[] AS embedding',
	'SELECT id, embedding FROM knn_m UNION ALL SELECT 99, ARRAY[0, 0, 0]::real[]', 3);
SELECT * FROM knn_search('SELECT 1 AS id, ARRAY[1, 0, 0]::real[] AS embedding', 'SELECT id, embedding FROM knn_m', 3, 'l2', 'index');
SELECT * FROM knn_search('SELECT 1 AS id, ARRAY[1, 0, 0]::real[] AS embedding', 'SELECT name, embedding FROM knn_m', 3);
SELECT * FROM knn_search('SELECT 1 AS id, ARRAY[1, 0, 0]::real[] AS embedding', 'SELECT name AS id, embedding FROM knn_m', 3);
SELECT * FROM knn_search('SELECT 1 AS id, ARRAY[1, 0, 0]::real[] AS embedding', 'SELECT name AS id, embedding FROM knn_m', 3, 'cosine', 'exact', NULL::int);
-- text ids: id_type => NULL::text; 'doc10' < 'doc2' < 'doc6' in byte order.
-- ip with (0, 1, 0): every document scores 1, so the ranking is the id order.
SELECT * FROM knn_search('SELECT ''q'' AS id, ARRAY[0, 1, 0]::real[] AS embedding',
	'SELECT name AS id, embedding FROM knn_m', 4, 'ip', 'exact', NULL::text);
-- l2 from (2, 1, 0): the hand-checkable distances first, then knn_search
SELECT id, embedding, sqrt((embedding[1] - 2) ^ 2 + (embedding[2] - 1) ^ 2 + embedding[3] ^ 2)::real AS dist
	FROM knn_m ORDER BY dist, id LIMIT 4;
SELECT * FROM knn_search('SELECT 7 AS id, ARRAY[2, 1, 0]::real[] AS embedding',
	'SELECT id, embedding FROM knn_m', 4, 'l2');
SET hardneg.progress = on;
SELECT count(*) FROM knn_search('SELECT id, embedding FROM knn_m WHERE id <= 2', 'SELECT id, embedding FROM knn_m', 3, 'ip');
RESET hardneg.progress;
