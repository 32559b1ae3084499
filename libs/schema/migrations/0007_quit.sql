-- Quit attempts: the quit profile of PATCH /api/v1/me. A new quit date (after
-- a relapse) starts a new attempt; earlier attempts stay, with the badges
-- earned in them (the badge scheduler tags grants with their attempt).
CREATE TABLE quit_attempts (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id            bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  attempt            integer NOT NULL CHECK (attempt >= 1),
  quit_date          date NOT NULL CHECK (quit_date >= DATE '1950-01-01'),
  cigarettes_per_day integer CHECK (cigarettes_per_day BETWEEN 1 AND 200),
  pack_price_cents   integer CHECK (pack_price_cents BETWEEN 1 AND 100000),
  pack_size          integer CHECK (pack_size BETWEEN 1 AND 100),
  share              text NOT NULL DEFAULT 'private' CHECK (share IN ('private', 'groups')),
  current            boolean NOT NULL DEFAULT true,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, attempt)
);
-- One current attempt per person.
CREATE UNIQUE INDEX quit_attempts_current_key ON quit_attempts (user_id) WHERE current;
