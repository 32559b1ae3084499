-- What a room_events row costs PostgreSQL, by part (docs/benchmarks.md,
-- "Where Colibri's CPU goes"): scratch copies of room_events with and without
-- the author foreign key, the search vector (two French tsvectors and their
-- GIN index), one vector instead of two, and without the (room, id) index;
-- 200 statements of 50 rows each per table, three interleaved rounds;
-- prints microseconds of wall time per row (one backend, idle machine).
--   psql -X -A -t -h 127.0.0.1 -p 55432 -U colibri colibri -f loadtests/pg_append_cost.sql
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_full, bench_nofk, bench_nosearch, bench_onevec, bench_fewer;
CREATE TABLE bench_full (LIKE room_events INCLUDING ALL);
ALTER TABLE bench_full ADD FOREIGN KEY (author_id) REFERENCES users(id) ON DELETE SET NULL;
CREATE TABLE bench_nofk (LIKE room_events INCLUDING ALL);
CREATE TABLE bench_nosearch (LIKE room_events INCLUDING ALL);
ALTER TABLE bench_nosearch DROP COLUMN search;
ALTER TABLE bench_nosearch ADD FOREIGN KEY (author_id) REFERENCES users(id) ON DELETE SET NULL;
CREATE TABLE bench_onevec (LIKE room_events INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS INCLUDING INDEXES);
ALTER TABLE bench_onevec DROP COLUMN search;
ALTER TABLE bench_onevec ADD COLUMN search tsvector GENERATED ALWAYS AS (CASE WHEN body IS NOT NULL AND kind IN ('message','edit') THEN to_tsvector('french'::regconfig, colibri_unaccent(body)) END) STORED;
CREATE INDEX ON bench_onevec USING gin (search);
ALTER TABLE bench_onevec ADD FOREIGN KEY (author_id) REFERENCES users(id) ON DELETE SET NULL;
CREATE TABLE bench_fewer (LIKE room_events INCLUDING ALL);
ALTER TABLE bench_fewer ADD FOREIGN KEY (author_id) REFERENCES users(id) ON DELETE SET NULL;
DROP INDEX bench_fewer_room_id_idx;
CREATE OR REPLACE FUNCTION pg_temp.bench(t text, run int) RETURNS numeric AS $$
DECLARE t0 timestamptz; b int; uid bigint;
BEGIN
  SELECT min(id) INTO uid FROM users;
  t0 := clock_timestamp();
  FOR b IN 1..200 LOOP
    EXECUTE format('INSERT INTO %I (room, seq, kind, author_id, client_msg_id, body) SELECT ''group:'' || (%s * 100000 + %s * 100 + i), 1, ''message'', $1, ''c'' || i, ''Courage, tiens bon, on est avec toi cette nuit, la fumée des autres passe'' FROM generate_series(1, 50) i', t, run, b) USING uid;
  END LOOP;
  RETURN round(extract(epoch FROM clock_timestamp() - t0) * 1e6 / 10000, 1);
END $$ LANGUAGE plpgsql;
SELECT 'full', pg_temp.bench('bench_full', 1), 'nofk', pg_temp.bench('bench_nofk', 1), 'nosearch', pg_temp.bench('bench_nosearch', 1), 'onevec', pg_temp.bench('bench_onevec', 1), 'fewer', pg_temp.bench('bench_fewer', 1);
SELECT 'fewer', pg_temp.bench('bench_fewer', 2), 'onevec', pg_temp.bench('bench_onevec', 2), 'nosearch', pg_temp.bench('bench_nosearch', 2), 'nofk', pg_temp.bench('bench_nofk', 2), 'full', pg_temp.bench('bench_full', 2);
SELECT 'full', pg_temp.bench('bench_full', 3), 'nofk', pg_temp.bench('bench_nofk', 3), 'nosearch', pg_temp.bench('bench_nosearch', 3), 'onevec', pg_temp.bench('bench_onevec', 3), 'fewer', pg_temp.bench('bench_fewer', 3);
DROP TABLE bench_full, bench_nofk, bench_nosearch, bench_onevec, bench_fewer;
