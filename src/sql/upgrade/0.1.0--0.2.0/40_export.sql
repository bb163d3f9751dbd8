-- 0.1.0 -> 0.2.0, exports (issue 17): hard_negatives_jsonl writes keys in the documented order
-- (sentence-transformers takes columns by position; jsonb had sorted them) and gains the
-- 'sentence-transformers-ntuple' style.  Same text as in src/sql/40_mining.sql.

CREATE OR REPLACE FUNCTION hard_negatives_jsonl(mined regclass, style text DEFAULT 'sentence-transformers',
	query_texts text DEFAULT NULL, doc_texts text DEFAULT NULL, output_scores boolean DEFAULT false)
RETURNS SETOF text
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED AS $fn$
DECLARE
	qt text := coalesce(query_texts, 'SELECT NULL::text AS id, NULL::text AS text WHERE false');
	dt text := coalesce(doc_texts, 'SELECT NULL::text AS id, NULL::text AS text, NULL::text AS title WHERE false');
	body text;
BEGIN
	IF style NOT IN ('sentence-transformers', 'sentence-transformers-ntuple', 'flagembedding', 'tevatron') THEN
		RAISE EXCEPTION 'hard_negatives_jsonl: unknown style "%"', style
			USING ERRCODE = '22023',
				HINT = 'Valid styles are ''sentence-transformers'', ''sentence-transformers-ntuple'', '
					'''flagembedding'' and ''tevatron''.';
	END IF;
	IF doc_texts IS NOT NULL AND style <> 'tevatron' THEN
		dt := format('SELECT d.id, d.text, NULL::text AS title FROM (%s) d', doc_texts);
	ELSIF doc_texts IS NOT NULL THEN
		-- Tevatron passages have a title: use the column when the query returns one
		dt := format('SELECT d.id, d.text, to_jsonb(d) ->> ''title'' AS title FROM (%s) d', doc_texts);
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
COMMENT ON FUNCTION hard_negatives_jsonl(regclass, text, text, text, boolean) IS
'JSON lines of mined hard negatives, keys in column order, in the shape of sentence-transformers '
'(anchor/positive/negative triplets, optional scores; sentence-transformers-ntuple: anchor/positive/'
'negative_1..negative_n, short rows dropped), FlagEmbedding (query/pos/neg, optional pos_scores/neg_scores) or Tevatron '
'(query_id/query/positive_passages/negative_passages with docid/title/text); texts come from the '
'optional query_texts and doc_texts queries (columns id, text, and title for Tevatron), else the ids';
