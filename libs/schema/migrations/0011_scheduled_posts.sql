-- Posts that moderators schedule into a group's room, and the daily post
-- listing "les fêtés du jour". The scheduler publishes an occurrence by
-- inserting its run row and appending the event in one transaction, so the
-- run's primary key makes every occurrence happen exactly once.
CREATE TABLE scheduled_posts (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  group_id    bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  author_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  body        text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 4000),
  repeat      text NOT NULL CHECK (repeat IN ('once', 'daily', 'weekly')),
  once_at     timestamptz,          -- once
  local_time  time,                 -- daily and weekly, in `timezone`
  weekdays    smallint[],           -- weekly: ISO days, 1 = Monday .. 7 = Sunday
  timezone    text NOT NULL DEFAULT 'Europe/Paris',
  -- A recurring post publishes no occurrence before this instant (its
  -- creation or last edit): a post made at 15:00 for 09:00 starts tomorrow.
  active_from timestamptz NOT NULL DEFAULT now(),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CHECK ((repeat = 'once') = (once_at IS NOT NULL)),
  CHECK ((repeat = 'once') = (local_time IS NULL)),
  CHECK ((repeat = 'weekly') = (weekdays IS NOT NULL)),
  CHECK (weekdays IS NULL OR (cardinality(weekdays) BETWEEN 1 AND 7 AND weekdays <@ '{1,2,3,4,5,6,7}'::smallint[]))
);
CREATE INDEX scheduled_posts_group_idx ON scheduled_posts (group_id);

-- One row per published occurrence: a post publishes at most once per local
-- date (for a one-off post, the date of its instant).
CREATE TABLE scheduled_post_runs (
  post_id      bigint NOT NULL REFERENCES scheduled_posts (id) ON DELETE CASCADE,
  local_date   date NOT NULL,
  occurrence   timestamptz NOT NULL,
  room         text NOT NULL,
  seq          bigint NOT NULL,
  published_at timestamptz NOT NULL,
  PRIMARY KEY (post_id, local_date)
);

-- A group's own time zone (its daily post's clock), and the local time of
-- the daily post listing today's celebrated (null: no such post).
ALTER TABLE groups ADD COLUMN timezone text NOT NULL DEFAULT 'Europe/Paris';
ALTER TABLE groups ADD COLUMN celebrations_post_at time;

-- One per group and local date, even when nobody was celebrated (seq null).
CREATE TABLE celebration_posts (
  group_id     bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  on_date      date NOT NULL,
  seq          bigint,
  published_at timestamptz NOT NULL,
  PRIMARY KEY (group_id, on_date)
);
