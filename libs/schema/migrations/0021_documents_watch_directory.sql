-- The professional space, part two (issue 18): documents with immutable
-- versions stored content-addressed in chunks, the scientific watch and its
-- weekly digest, preferences, the directory of care structures members are
-- oriented to (a message may carry a structure's card), and referral codes.

-- Documents: a group's; folders are a path-like label.
CREATE TABLE documents (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  group_id        bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  folder          text NOT NULL DEFAULT '' CHECK (char_length(folder) <= 200),
  title           text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
  description     text NOT NULL DEFAULT '' CHECK (char_length(description) <= 4000),
  status          text NOT NULL DEFAULT 'working' CHECK (status IN ('working', 'reference')),
  created_by      bigint REFERENCES users (id) ON DELETE SET NULL,
  current_version integer NOT NULL DEFAULT 0,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX documents_group_idx ON documents (group_id, id DESC);
CREATE INDEX documents_feed_idx ON documents (group_id, created_at DESC, id DESC);

-- Content-addressed chunks (SHA-256 of the chunk's bytes): a byte-identical
-- chunk is stored once, whatever the number of versions holding it.
CREATE TABLE document_chunks (
  sha256 bytea PRIMARY KEY CHECK (length(sha256) = 32),
  data   bytea NOT NULL,
  size   integer NOT NULL CHECK (size = length(data))
);
ALTER TABLE document_chunks ALTER COLUMN data SET STORAGE EXTERNAL;  -- already compressed formats mostly

-- A version is immutable: its bytes are its chunks in order.
CREATE TABLE document_versions (
  document_id   bigint NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
  version       integer NOT NULL CHECK (version >= 1),
  sha256        bytea NOT NULL CHECK (length(sha256) = 32),
  size          bigint NOT NULL CHECK (size >= 0),
  content_type  text NOT NULL,
  filename      text NOT NULL,
  uploaded_by   bigint REFERENCES users (id) ON DELETE SET NULL,
  restored_from integer,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (document_id, version)
);
CREATE TABLE document_version_chunks (
  document_id bigint NOT NULL,
  version     integer NOT NULL,
  n           integer NOT NULL,
  chunk       bytea NOT NULL REFERENCES document_chunks (sha256),
  PRIMARY KEY (document_id, version, n),
  FOREIGN KEY (document_id, version) REFERENCES document_versions (document_id, version) ON DELETE CASCADE
);
CREATE INDEX document_version_chunks_chunk_idx ON document_version_chunks (chunk);

-- The scientific and event watch. A DOI (lower-cased, without its doi.org
-- prefix) or a URL (normalised by the service) appears once per group.
CREATE TABLE watch_items (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  group_id   bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  title      text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 300),
  url        text NOT NULL,
  doi        text,
  norm_url   text NOT NULL,
  norm_doi   text,
  summary    text NOT NULL CHECK (char_length(summary) BETWEEN 1 AND 4000),
  tags       text[] NOT NULL DEFAULT '{}',
  created_by bigint REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX watch_items_doi_key ON watch_items (group_id, norm_doi) WHERE norm_doi IS NOT NULL;
CREATE UNIQUE INDEX watch_items_url_key ON watch_items (group_id, norm_url);
CREATE INDEX watch_items_feed_idx ON watch_items (group_id, created_at DESC, id DESC);

-- Feed reads over threads and meetings by group and time.
CREATE INDEX threads_feed_idx ON threads (group_id, created_at DESC, id DESC);
CREATE INDEX meetings_feed_idx ON meetings (group_id, created_at DESC, id DESC);

-- A person's preferences (absent row: the defaults).
CREATE TABLE preferences (
  user_id            bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  watch_digest       boolean NOT NULL DEFAULT false,
  mail_digest        boolean NOT NULL DEFAULT true,
  push_replies       boolean NOT NULL DEFAULT true,
  push_mentions      boolean NOT NULL DEFAULT true,
  push_dms           boolean NOT NULL DEFAULT true,
  push_daily_congrats boolean NOT NULL DEFAULT true,
  push_moderation    boolean NOT NULL DEFAULT true,
  quiet_from         time,
  quiet_to           time,
  push_text          boolean NOT NULL DEFAULT false,
  updated_at         timestamptz NOT NULL DEFAULT now(),
  CHECK ((quiet_from IS NULL) = (quiet_to IS NULL))
);
CREATE INDEX preferences_watch_digest_idx ON preferences (user_id) WHERE watch_digest;

-- One weekly watch digest per person and week (the Monday, local date).
CREATE TABLE watch_digest_runs (
  user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  week       date NOT NULL,
  items      integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, week)
);

-- The directory of care structures: places, never people.
CREATE TABLE care_structures (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name         text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  kind         text NOT NULL CHECK (kind IN ('csapa', 'hospital_clinic', 'gp_practice', 'health_centre', 'asalee',
                 'pharmacy', 'tobacco_clinic', 'caarud', 'occupational_health', 'mobile_team', 'other')),
  services     text[] NOT NULL DEFAULT '{}',
  address      text NOT NULL CHECK (char_length(address) BETWEEN 1 AND 300),
  postcode     text NOT NULL CHECK (postcode ~ '^[0-9][0-9AB][0-9]{3}$'),
  city         text NOT NULL CHECK (char_length(city) BETWEEN 1 AND 100),
  department   text NOT NULL CHECK (department ~ '^(0[1-9]|1[0-9]|2[1-9]|2A|2B|[3-8][0-9]|9[0-5]|97[1-8])$'),
  lat          double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
  lon          double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
  phone        text,
  website      text,
  hours        text,
  search_text  text NOT NULL,  -- lower-cased, accents folded: name, city, services, postcode
  confirmed_at timestamptz NOT NULL DEFAULT now(),
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX care_structures_department_idx ON care_structures (department, kind, name, id);
CREATE INDEX care_structures_position_idx ON care_structures (lat, lon);

CREATE TABLE structure_representatives (
  structure_id bigint NOT NULL REFERENCES care_structures (id) ON DELETE CASCADE,
  user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (structure_id, user_id)
);
CREATE INDEX structure_representatives_user_idx ON structure_representatives (user_id);

-- Orientation: a message (or a held post) may carry a structure; its card
-- is read from the directory whenever the event is served.
ALTER TABLE room_events ADD COLUMN structure_id bigint REFERENCES care_structures (id) ON DELETE SET NULL;
CREATE INDEX room_events_structure_idx ON room_events (structure_id, created_at) WHERE structure_id IS NOT NULL;
ALTER TABLE held_posts ADD COLUMN structure_id bigint REFERENCES care_structures (id) ON DELETE SET NULL;

-- Referral codes ("hold"): a professional's invitation to a community group.
-- Only the number of uses is kept: no join request points to its code.
CREATE TABLE referral_codes (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code       text NOT NULL UNIQUE,
  group_id   bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  created_by bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  uses       integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX referral_codes_creator_idx ON referral_codes (created_by, id);

ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('welcome', 'newcomer', 'badge',
  'daily_congrats', 'join_request', 'join_approved', 'mention', 'reply', 'event_reminder', 'moderation', 'report',
  'meeting_reminder', 'meeting_promoted', 'meeting_cancelled', 'watch_digest'));
