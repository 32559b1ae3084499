-- Groups, memberships, threads and direct conversations (what authorises a
-- room), and the room event log. The groups issue adds the REST API on top.

CREATE TABLE groups (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id   bigint REFERENCES groups (id) ON DELETE CASCADE,
  name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  description text NOT NULL DEFAULT '',
  rules       text NOT NULL DEFAULT '',
  join_policy text NOT NULL DEFAULT 'request' CHECK (join_policy IN ('open', 'request', 'invite')),
  visibility  text NOT NULL DEFAULT 'listed' CHECK (visibility IN ('listed', 'hidden')),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX groups_parent_idx ON groups (parent_id);

CREATE TABLE memberships (
  group_id    bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role        text NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'moderator', 'owner')),
  muted_until timestamptz,
  joined_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, user_id)
);
CREATE INDEX memberships_user_idx ON memberships (user_id);

CREATE TABLE threads (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  group_id         bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  author_id        bigint REFERENCES users (id) ON DELETE SET NULL,
  title            text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
  locked           boolean NOT NULL DEFAULT false,
  pinned           boolean NOT NULL DEFAULT false,
  created_at       timestamptz NOT NULL DEFAULT now(),
  last_activity_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX threads_group_activity_idx ON threads (group_id, last_activity_at DESC);

CREATE TABLE conversations (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE conversation_members (
  conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX conversation_members_user_idx ON conversation_members (user_id);

-- One row per room: its last allocated seq. Appending locks this row, which
-- serialises writers of one room across every process: seqs never have holes.
CREATE TABLE rooms (
  name     text PRIMARY KEY CHECK (name ~ '^(group|thread|dm):[0-9]+$'),
  last_seq bigint NOT NULL DEFAULT 0
);

CREATE TABLE room_events (
  room          text NOT NULL,
  seq           bigint NOT NULL CHECK (seq > 0),
  id            bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  kind          text NOT NULL CHECK (kind IN ('message', 'edit', 'delete', 'reaction', 'join', 'leave', 'system')),
  author_id     bigint REFERENCES users (id) ON DELETE SET NULL,
  client_msg_id text CHECK (char_length(client_msg_id) BETWEEN 1 AND 64),
  body          text,
  target_seq    bigint,
  emoji         text,
  reaction_on   boolean,
  reply_to      bigint,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (room, seq)
);
-- A retried send (same author, room and client_msg_id) is stored once.
CREATE UNIQUE INDEX room_events_idempotency_key ON room_events (room, author_id, client_msg_id)
  WHERE client_msg_id IS NOT NULL;

CREATE TABLE read_markers (
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  room    text NOT NULL,
  seq     bigint NOT NULL,
  PRIMARY KEY (user_id, room)
);
