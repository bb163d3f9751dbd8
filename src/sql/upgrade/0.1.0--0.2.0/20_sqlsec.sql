-- 0.1.0 -> 0.2.0, SQL-level hardening (issue 16 items 4-6, issue 17 item 4).
-- Every SQL and PL/pgSQL function pins search_path and names hardneg's own
-- objects through @extschema@; the bodies below are those of the install
-- fragments src/sql/10_embedding.sql and src/sql/40_mining.sql.

-- hardneg_vector_casts() is replaced by src/sql/80_pgvector.sql, which the
-- upgrade runs whole (the casts become members of hardneg there)

CREATE OR REPLACE FUNCTION hard_negatives_ntuple(mined regclass, id_type anyelement,
	num_negatives integer DEFAULT NULL)
RETURNS TABLE (query_id anyelement, positive_id anyelement, negative_ids anyarray, scores real[])
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	t text := pg_typeof(id_type)::text;
BEGIN
	RETURN QUERY EXECUTE format(
		'WITH g AS (
			SELECT m.query_id, m.positive_id,
				array_agg(m.negative_id ORDER BY m.negative_rank) AS negs,
				array_agg(m.score ORDER BY m.negative_rank) AS negscores,
				min(m.positive_score) AS ps
			FROM %s m GROUP BY m.query_id, m.positive_id)
		SELECT g.query_id::%s, g.positive_id::%s, g.negs::%s[], (ARRAY[g.ps] || g.negscores)::real[]
		FROM g
		WHERE cardinality(g.negs) >= coalesce($1, (SELECT max(cardinality(negs)) FROM g))
		ORDER BY 1, 2', mined, t, t, t)
	USING num_negatives;
END
$fn$;
CREATE OR REPLACE FUNCTION hard_negatives_ntuple(mined regclass, num_negatives integer DEFAULT NULL)
RETURNS TABLE (query_id bigint, positive_id bigint, negative_ids bigint[], scores real[])
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $fn$ SELECT * FROM @extschema@.hard_negatives_ntuple($1, NULL::bigint, $2) $fn$;
CREATE OR REPLACE FUNCTION hard_negatives_labeled_pairs(mined regclass, id_type anyelement)
RETURNS TABLE (query_id anyelement, positive_id anyelement, doc_id anyelement, label integer,
	score real, slot integer)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	t text := pg_typeof(id_type)::text;
BEGIN
	RETURN QUERY EXECUTE format(
		'SELECT p.query_id::%1$s, p.positive_id::%1$s, p.positive_id::%1$s, 1, min(p.positive_score)::real, 0
		FROM %2$s p GROUP BY p.query_id, p.positive_id
		UNION ALL
		SELECT m.query_id::%1$s, m.positive_id::%1$s, m.negative_id::%1$s, 0, m.score, m.negative_rank
		FROM %2$s m
		ORDER BY 1, 2, 6', t, mined);
END
$fn$;
CREATE OR REPLACE FUNCTION hard_negatives_labeled_pairs(mined regclass)
RETURNS TABLE (query_id bigint, positive_id bigint, doc_id bigint, label integer, score real,
	slot integer)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $fn$ SELECT * FROM @extschema@.hard_negatives_labeled_pairs($1, NULL::bigint) $fn$;
CREATE OR REPLACE FUNCTION hard_negatives_labeled_lists(mined regclass, id_type anyelement)
RETURNS TABLE (query_id anyelement, positive_id anyelement, doc_ids anyarray, labels integer[],
	scores real[])
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	t text := pg_typeof(id_type)::text;
BEGIN
	RETURN QUERY EXECUTE format(
		'SELECT m.query_id::%1$s, m.positive_id::%1$s,
			(ARRAY[m.positive_id] || array_agg(m.negative_id ORDER BY m.negative_rank))::%1$s[],
			ARRAY[1] || array_agg(0 ORDER BY m.negative_rank),
			(ARRAY[min(m.positive_score)] || array_agg(m.score ORDER BY m.negative_rank))::real[]
		FROM %2$s m GROUP BY m.query_id, m.positive_id
		ORDER BY 1, 2', t, mined);
END
$fn$;
CREATE OR REPLACE FUNCTION hard_negatives_labeled_lists(mined regclass)
RETURNS TABLE (query_id bigint, positive_id bigint, doc_ids bigint[], labels integer[],
	scores real[])
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $fn$ SELECT * FROM @extschema@.hard_negatives_labeled_lists($1, NULL::bigint) $fn$;
-- hard_negatives_jsonl gains caller_search_path (its caller's text queries
-- run under the caller's path, the rest under the pinned one)
DROP FUNCTION hard_negatives_jsonl(regclass, text, text, text, boolean);
-- The caller's text queries run under the caller's search_path (as every
-- query string hardneg takes), not this function's pinned one: the default
-- of caller_search_path is evaluated in the caller's context, before the SET
-- clause applies, and hard_negatives_texts() switches to it only around the
-- caller's query, whose wrapper names everything schema-qualified.
CREATE FUNCTION hard_negatives_texts(texts text, caller_search_path text, titles boolean DEFAULT false)
RETURNS TABLE (id text, text text, title text)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	q text := format('SELECT d.id::pg_catalog.text, d.text::pg_catalog.text, %s FROM (%s) d',
		CASE WHEN titles THEN '(pg_catalog.to_jsonb(d) OPERATOR(pg_catalog.->>) ''title'')'
			 ELSE 'NULL::pg_catalog.text' END, texts);
BEGIN
	-- local to this call: the SET clause restores the pinned path on exit
	PERFORM set_config('search_path', caller_search_path, true);
	RETURN QUERY EXECUTE q;
END
$fn$;
COMMENT ON FUNCTION hard_negatives_texts(text, text, boolean) IS
'Helper of hard_negatives_jsonl: runs a query returning id, text (and title when titles) under the '
'given search_path, as the caller, and returns the columns as text';

CREATE FUNCTION hard_negatives_jsonl(mined regclass, style text DEFAULT 'sentence-transformers',
	query_texts text DEFAULT NULL, doc_texts text DEFAULT NULL, output_scores boolean DEFAULT false,
	caller_search_path text DEFAULT pg_catalog.current_setting('search_path'))
RETURNS SETOF text
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	qt text := 'SELECT NULL::text AS id, NULL::text AS text WHERE false';
	dt text := 'SELECT NULL::text AS id, NULL::text AS text, NULL::text AS title WHERE false';
	body text;
BEGIN
	IF style NOT IN ('sentence-transformers', 'sentence-transformers-ntuple', 'flagembedding', 'tevatron') THEN
		RAISE EXCEPTION 'hard_negatives_jsonl: unknown style "%"', style
			USING ERRCODE = '22023',
				HINT = 'Valid styles are ''sentence-transformers'', ''sentence-transformers-ntuple'', '
					'''flagembedding'' and ''tevatron''.';
	END IF;
	IF query_texts IS NOT NULL THEN
		qt := format('SELECT t.id, t.text FROM @extschema@.hard_negatives_texts(%L, %L) t',
					 query_texts, caller_search_path);
	END IF;
	IF doc_texts IS NOT NULL THEN
		-- Tevatron passages have a title: use the column when the query returns one
		dt := format('SELECT t.id, t.text, t.title FROM @extschema@.hard_negatives_texts(%L, %L, %L) t',
					 doc_texts, caller_search_path, style = 'tevatron');
	END IF;
	-- texts default to the ids when no text query is given
	body := format($q$
		WITH m AS (SELECT * FROM %s),
		qt AS (SELECT q.id::text AS id, q.text::text AS text FROM (%s) q),
		dt AS (SELECT d.id::text AS id, d.text::text AS text, d.title::text AS title FROM (%s) d),
		r AS (
			SELECT m.*, coalesce(qt.text, m.query_id::text) AS qtext,
				coalesce(pt.text, m.positive_id::text) AS ptext, pt.title AS ptitle,
				coalesce(nt.text, m.negative_id::text) AS ntext, nt.title AS ntitle
			FROM m
			LEFT JOIN qt ON qt.id = m.query_id::text
			LEFT JOIN dt pt ON pt.id = m.positive_id::text
			LEFT JOIN dt nt ON nt.id = m.negative_id::text)
		$q$, mined, qt, dt);
	IF style = 'sentence-transformers' THEN
		RETURN QUERY EXECUTE body || format($q$
			SELECT CASE WHEN %L
				THEN json_build_object('anchor', qtext, 'positive', ptext, 'negative', ntext,
					'scores', json_build_array(positive_score, score))
				ELSE json_build_object('anchor', qtext, 'positive', ptext, 'negative', ntext) END::text
			FROM r ORDER BY query_id, positive_id, negative_rank $q$, output_scores);
	ELSIF style = 'sentence-transformers-ntuple' THEN
		-- keys in sentence-transformers' column order (anchor, positive, negative_1..n, scores):
		-- its trainer takes the columns by position.  As in hard_negatives_ntuple (and ST),
		-- rows with fewer negatives than the most any row has are dropped.
		RETURN QUERY EXECUTE body || format($q$,
		g AS (SELECT query_id, positive_id, min(qtext) AS qtext, min(ptext) AS ptext,
				array_agg(ntext ORDER BY negative_rank) AS negs,
				ARRAY[min(positive_score)] || array_agg(score ORDER BY negative_rank) AS scores
			FROM r GROUP BY query_id, positive_id)
		SELECT CASE WHEN %L THEN left(o::text, -1) || ', "scores" : ' || to_json(g.scores)::text || '}'
			ELSE o::text END
		FROM g, LATERAL (SELECT json_object(ARRAY['anchor', 'positive'] || array_agg('negative_' || i ORDER BY i),
				ARRAY[g.qtext, g.ptext] || g.negs) FROM generate_subscripts(g.negs, 1) i) j(o)
		WHERE cardinality(g.negs) = (SELECT max(cardinality(negs)) FROM g)
		ORDER BY query_id, positive_id $q$, output_scores);
	ELSIF style = 'flagembedding' THEN
		RETURN QUERY EXECUTE body || format($q$
			SELECT CASE WHEN %L
				THEN json_build_object('query', q, 'pos', pos, 'neg', neg, 'pos_scores', pos_scores,
					'neg_scores', neg_scores)
				ELSE json_build_object('query', q, 'pos', pos, 'neg', neg) END::text
			FROM (SELECT query_id, min(qtext) AS q,
					(SELECT jsonb_agg(DISTINCT x.ptext) FROM r x WHERE x.query_id = r.query_id) AS pos,
					jsonb_agg(ntext ORDER BY negative_rank) FILTER (WHERE positive_id = first_pos) AS neg,
					(SELECT jsonb_agg(s.ps ORDER BY s.ptext) FROM
						(SELECT DISTINCT x.ptext, x.positive_score AS ps FROM r x WHERE x.query_id = r.query_id) s)
						AS pos_scores,
					jsonb_agg(score ORDER BY negative_rank) FILTER (WHERE positive_id = first_pos) AS neg_scores
				FROM (SELECT r.*, min(positive_id) OVER (PARTITION BY query_id) AS first_pos FROM r) r
				GROUP BY query_id) g
			ORDER BY query_id $q$, output_scores);
	ELSE
		RETURN QUERY EXECUTE body || $q$
			SELECT json_build_object('query_id', query_id::text, 'query', min(qtext),
				'positive_passages', (SELECT jsonb_agg(DISTINCT jsonb_build_object('docid', x.positive_id::text,
					'title', coalesce(x.ptitle, ''), 'text', x.ptext)) FROM r x WHERE x.query_id = r.query_id),
				'negative_passages', jsonb_agg(jsonb_build_object('docid', negative_id::text,
					'title', coalesce(ntitle, ''), 'text', ntext) ORDER BY negative_rank)
					FILTER (WHERE positive_id = first_pos))::text
			FROM (SELECT r.*, min(positive_id) OVER (PARTITION BY query_id) AS first_pos FROM r) r
			GROUP BY query_id ORDER BY query_id $q$;
	END IF;
END
$fn$;
COMMENT ON FUNCTION hard_negatives_jsonl(regclass, text, text, text, boolean, text) IS
'JSON lines of mined hard negatives, keys in column order, in the shape of sentence-transformers '
'(anchor/positive/negative triplets, optional scores; sentence-transformers-ntuple: anchor/positive/'
'negative_1..negative_n, short rows dropped), FlagEmbedding (query/pos/neg, optional pos_scores/neg_scores) or Tevatron '
'(query_id/query/positive_passages/negative_passages with docid/title/text); texts come from the '
'optional query_texts and doc_texts queries (columns id, text, and title for Tevatron; run under '
'caller_search_path, by default the caller''s), else the ids';

REVOKE ALL ON FUNCTION hardneg_index_verify(regclass) FROM PUBLIC;
