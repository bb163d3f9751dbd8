-- knn_search: exact outputs on hand-checkable data.
-- Documents d_i = (i mod 7, i mod 3, 1), i = 1..20; query (1, 1, 0.5):
-- inner product = i mod 7 + i mod 3 + 0.5, exact in float, with many ties.
CREATE TABLE knn_d AS
	SELECT i AS id, ARRAY[(i % 7)::real, (i % 3)::real, 1::real] AS embedding
	FROM generate_series(1, 20) i;
CREATE TABLE knn_q AS
	SELECT i AS id, ARRAY[1::real, (i % 2)::real, 0.5::real] AS embedding
	FROM generate_series(1, 2) i;
-- q1 top 4: 8.5 (i=20), 7.5 (i=5, 13: tie, smaller id first), 6.5 (i=6, 11, 19: 6 wins)
SELECT * FROM knn_search('SELECT * FROM knn_q', 'SELECT * FROM knn_d', 4, 'ip');
