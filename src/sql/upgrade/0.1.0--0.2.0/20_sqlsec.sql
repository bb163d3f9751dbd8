-- 0.1.0 -> 0.2.0, SQL-level hardening (issue 16 items 4-6, issue 17 item 4).
-- Every SQL and PL/pgSQL function pins search_path and names hardneg's own
-- objects through @extschema@.  The bodies are those of the install fragment
-- src/sql/40_mining.sql, rerun from it (not copied) by the directive below.

-- hardneg_vector_casts() is replaced by src/sql/80_pgvector.sql, which the
-- upgrade runs whole (the casts become members of hardneg there)

-- hard_negatives_jsonl gains caller_search_path (its caller's text queries
-- run under the caller's path, the rest under the pinned one): the 0.1.0
-- signature goes; every function of 40_mining.sql is then created or
-- replaced in place (same arguments and results as in 0.1.0, new settings).
DROP FUNCTION hard_negatives_jsonl(regclass, text, text, text, boolean);
--@ replace src/sql/40_mining.sql

REVOKE ALL ON FUNCTION hardneg_index_verify(regclass) FROM PUBLIC;
