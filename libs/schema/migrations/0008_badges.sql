-- What the badge scheduler did, each at most once: a grant per (attempt,
-- milestone), a congratulation per (attempt, day). The unique keys, not the
-- leader lock alone, make it exactly once.
ALTER TABLE quit_attempts ADD COLUMN evaluated_at timestamptz;  -- null: entered or changed, not yet looked at

CREATE TABLE badge_grants (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  attempt_id bigint NOT NULL REFERENCES quit_attempts (id) ON DELETE CASCADE,
  user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  milestone  text NOT NULL,
  falls_on   date NOT NULL,
  granted_at timestamptz NOT NULL,
  UNIQUE (attempt_id, milestone)
);
CREATE INDEX badge_grants_user_idx ON badge_grants (user_id, falls_on);

CREATE TABLE daily_congrats (
  attempt_id bigint NOT NULL REFERENCES quit_attempts (id) ON DELETE CASCADE,
  user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  day        integer NOT NULL CHECK (day BETWEEN 1 AND 120),
  local_date date NOT NULL,
  sent_at    timestamptz NOT NULL,
  PRIMARY KEY (attempt_id, day)
);
