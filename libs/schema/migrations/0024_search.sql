-- Search in French (issue 20): PostgreSQL's `french` configuration stems
-- ("cigarettes" -> "cigaret", "fumée" and "fumer" -> "fum") but stems an
-- unaccented word differently ("fumee" -> "fume"). A text is therefore
-- indexed twice, as written and without its accents (unaccent, a trusted
-- contrib extension), and a query is looked for both ways: "fumée" finds
-- "fumer", "fumee" finds "fumée", "cigarette" finds "cigarettes".
CREATE EXTENSION IF NOT EXISTS unaccent;

CREATE FUNCTION colibri_unaccent(text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;

CREATE FUNCTION colibri_search_vector(text) RETURNS tsvector
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT to_tsvector('french'::regconfig, coalesce($1, ''))
            || to_tsvector('french'::regconfig, colibri_unaccent(coalesce($1, ''))) $$;

CREATE FUNCTION colibri_search_query(text) RETURNS tsquery
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT websearch_to_tsquery('french'::regconfig, $1)
            || websearch_to_tsquery('french'::regconfig, colibri_unaccent($1)) $$;

-- Messages and their edits that still have a text (a deleted or hidden
-- message, or an erased person's, has none: nulling the body nulls this).
-- Stored, so that a common word is checked row by row cheaply while the
-- caller's rooms are read newest first through (room, id); a rare word goes
-- through the GIN index (2 million messages: 3 ms for a word in 0.1 % of
-- them, 9 ms for one in 10 %, against 305 ms with the expression index).
ALTER TABLE room_events ADD COLUMN search tsvector GENERATED ALWAYS AS
  (CASE WHEN body IS NOT NULL AND kind IN ('message', 'edit') THEN colibri_search_vector(body) END) STORED;
CREATE INDEX room_events_search ON room_events USING gin (search);
CREATE INDEX room_events_room_id ON room_events (room, id);
CREATE INDEX threads_search ON threads USING gin (colibri_search_vector(title));
-- The latest edit of a message, found from the message.
CREATE INDEX room_events_edits ON room_events (room, target_seq, seq) WHERE kind = 'edit';
