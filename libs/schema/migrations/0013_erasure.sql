-- Erasure removes what the person wrote everywhere (issue 14, item 4): the
-- handles someone used before their current one are remembered (only to be
-- scrubbed from other people's notifications at erasure; never shown).
CREATE TABLE user_handles (
  user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  handle     text NOT NULL,
  used_until timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, handle)
);
CREATE INDEX room_events_author_idx ON room_events (author_id) WHERE author_id IS NOT NULL;
