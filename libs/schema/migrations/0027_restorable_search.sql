-- A dump must restore. pg_restore runs with an empty search_path, and it
-- evaluates colibri_search_vector while loading room_events (its generated
-- column `search`) and building threads_search; the function's body called
-- colibri_unaccent without its schema, so the restore failed ("function
-- colibri_unaccent(text) does not exist": issue 22, tests/integration/
-- failover_test.cpp, Backup.*). The bodies now name their schema, as
-- colibri_unaccent's own body already did; the results are the same, so
-- nothing stored changes. (No SET search_path on the functions: it would
-- stop PostgreSQL from inlining them, on every row appended.)
CREATE OR REPLACE FUNCTION colibri_search_vector(text) RETURNS tsvector
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT pg_catalog.to_tsvector('pg_catalog.french'::regconfig, coalesce($1, ''))
            || pg_catalog.to_tsvector('pg_catalog.french'::regconfig, public.colibri_unaccent(coalesce($1, ''))) $$;

CREATE OR REPLACE FUNCTION colibri_search_query(text) RETURNS tsquery
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT pg_catalog.websearch_to_tsquery('pg_catalog.french'::regconfig, $1)
            || pg_catalog.websearch_to_tsquery('pg_catalog.french'::regconfig, public.colibri_unaccent($1)) $$;
