-- "Les fêtés du jour": per group and local date, the members who share their
-- quit and are celebrated that day (a day 1..120 or a milestone). Rows are
-- made when the list is first read; a volunteer marks each one done, so that
-- two volunteers don't both congratulate.
CREATE TABLE celebrations (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  group_id         bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  user_id          bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  attempt_id       bigint NOT NULL REFERENCES quit_attempts (id) ON DELETE CASCADE,
  on_date          date NOT NULL,
  day              integer NOT NULL,
  milestone        text,
  congratulated_by bigint REFERENCES users (id) ON DELETE SET NULL,
  congratulated_at timestamptz,
  UNIQUE (group_id, user_id, on_date)
);
