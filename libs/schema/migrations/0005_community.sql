-- The community around groups: join requests, invitations, the welcome team,
-- blocks between people, reports and the moderation audit log, watched words
-- and the posts they hold, and account erasure.

-- Seeded groups are found again by their slug (seeding runs at every start).
ALTER TABLE groups ADD COLUMN slug text UNIQUE CHECK (slug ~ '^[a-z0-9-]{1,64}$');
-- Members of this group greet the newcomers of this one (with its moderators).
ALTER TABLE groups ADD COLUMN welcome_group_id bigint REFERENCES groups (id) ON DELETE SET NULL;

CREATE TABLE join_requests (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  group_id    bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  motivation  text NOT NULL CHECK (char_length(motivation) BETWEEN 10 AND 2000),
  state       text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'rejected')),
  reason      text CHECK (char_length(reason) <= 2000),
  decided_by  bigint REFERENCES users (id) ON DELETE SET NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  decided_at  timestamptz
);
-- One pending request per person and group.
CREATE UNIQUE INDEX join_requests_pending_key ON join_requests (group_id, user_id) WHERE state = 'pending';
CREATE INDEX join_requests_group_idx ON join_requests (group_id, state, id);

-- Single-use invitation codes, stored hashed (SHA-256, like session tokens).
CREATE TABLE invitations (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  group_id   bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  code_hash  text NOT NULL UNIQUE CHECK (length(code_hash) = 64),
  email      text,
  created_by bigint REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_by    bigint REFERENCES users (id) ON DELETE SET NULL,
  used_at    timestamptz
);

-- Anyone can block someone: no new direct message passes either way.
CREATE TABLE blocks (
  blocker_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  blocked_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (blocker_id, blocked_id),
  CHECK (blocker_id <> blocked_id)
);

-- Reports go to the moderators of the group where it happened.
CREATE TABLE reports (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  group_id       bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  reporter_id    bigint REFERENCES users (id) ON DELETE SET NULL,  -- null: raised by a watched word
  room           text,
  seq            bigint,
  target_user_id bigint REFERENCES users (id) ON DELETE SET NULL,
  reason         text NOT NULL CHECK (reason IN ('abuse', 'spam', 'dangerous_advice', 'distress', 'privacy',
                                                  'watched_word', 'other')),
  note           text NOT NULL DEFAULT '' CHECK (char_length(note) <= 2000),
  state          text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'resolved')),
  action         text CHECK (action IN ('dismiss', 'hide', 'remind_rules', 'mute', 'remove')),
  resolved_by    bigint REFERENCES users (id) ON DELETE SET NULL,
  resolved_at    timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reports_group_idx ON reports (group_id, state, id);

-- Every moderation action: who, what, when, why. Readable by the group's moderators.
CREATE TABLE audit_log (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  group_id       bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  actor_id       bigint REFERENCES users (id) ON DELETE SET NULL,
  action         text NOT NULL,
  target_user_id bigint REFERENCES users (id) ON DELETE SET NULL,
  room           text,
  seq            bigint,
  reason         text NOT NULL DEFAULT '',
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_group_idx ON audit_log (group_id, id);

CREATE TABLE watched_words (
  group_id bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  pattern  text NOT NULL CHECK (char_length(pattern) BETWEEN 1 AND 100),
  action   text NOT NULL CHECK (action IN ('flag', 'hold', 'block')),
  PRIMARY KEY (group_id, pattern)
);

-- Posts held by a watched word: not in the room log (so nobody else sees
-- them) until a moderator approves them.
CREATE TABLE held_posts (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  group_id      bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  room          text NOT NULL,
  author_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  client_msg_id text,
  body          text NOT NULL,
  reply_to      bigint,
  pattern       text NOT NULL,
  state         text NOT NULL DEFAULT 'held' CHECK (state IN ('held', 'approved', 'rejected')),
  seq           bigint,  -- once approved
  decided_by    bigint REFERENCES users (id) ON DELETE SET NULL,
  decided_at    timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX held_posts_idempotency_key ON held_posts (room, author_id, client_msg_id)
  WHERE client_msg_id IS NOT NULL;
CREATE INDEX held_posts_group_idx ON held_posts (group_id, state, id);

-- Erased accounts keep a row (their events still point to it) whose handle is
-- "membre supprimé": handles are unique among live accounts only.
DROP INDEX users_handle_key;
CREATE UNIQUE INDEX users_handle_key ON users (lower(handle)) WHERE deleted_at IS NULL;

-- Threads keep their message count and last activity: a listing must not
-- count events. Kept by a trigger, so that REST posts and socket sends alike
-- count; the WHEN clause keeps other rooms' inserts free of it.
ALTER TABLE threads ADD COLUMN post_count bigint NOT NULL DEFAULT 0;
UPDATE threads t SET post_count = (SELECT count(*) FROM room_events e WHERE e.room = 'thread:' || t.id AND e.kind = 'message')
  - (SELECT count(*) FROM room_events e WHERE e.room = 'thread:' || t.id AND e.kind = 'delete');
CREATE FUNCTION thread_activity() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE threads SET post_count = post_count + CASE WHEN NEW.kind = 'message' THEN 1 ELSE -1 END,
                     last_activity_at = CASE WHEN NEW.kind = 'message' THEN NEW.created_at ELSE last_activity_at END
   WHERE id = split_part(NEW.room, ':', 2)::bigint;
  RETURN NULL;
END $$;
CREATE TRIGGER room_events_thread_activity AFTER INSERT ON room_events FOR EACH ROW
  WHEN (NEW.room LIKE 'thread:%' AND NEW.kind IN ('message', 'delete')) EXECUTE FUNCTION thread_activity();
