-- The directory's text search: every word of a query is a LIKE '%word%' on
-- the folded search text, which a trigram index answers without reading the
-- whole table (pg_trgm: PostgreSQL's contrib, a trusted extension).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX care_structures_search_idx ON care_structures USING gin (search_text gin_trgm_ops);
-- Listing by name with no filter: the index gives the order.
CREATE INDEX care_structures_name_idx ON care_structures (name, id);
