-- The professional space, part one (issue 17): spaces have a kind,
-- professionals a profile, and groups meetings (webinars, meetings, practice
-- sessions, intervisions) with occurrences people register for.

-- A root space is a community or a professional space; its sub-groups
-- inherit the kind whatever the insert says.
ALTER TABLE groups ADD COLUMN kind text NOT NULL DEFAULT 'community'
  CHECK (kind IN ('community', 'professional'));
CREATE FUNCTION groups_inherit_kind() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.parent_id IS NOT NULL THEN
    NEW.kind := (SELECT kind FROM groups WHERE id = NEW.parent_id);
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER groups_inherit_kind BEFORE INSERT OR UPDATE OF parent_id, kind ON groups
  FOR EACH ROW EXECUTE FUNCTION groups_inherit_kind();
-- The seeded e-mediation space, where it exists already.
WITH RECURSIVE t AS (SELECT id FROM groups WHERE slug = 'e-mediation' AND parent_id IS NULL
                     UNION ALL SELECT g.id FROM groups g JOIN t ON g.parent_id = t.id)
UPDATE groups SET kind = 'professional' WHERE id IN (SELECT id FROM t);

-- A professional's profile: shown in the members list of professional
-- groups only (profession, organisation, département); the legal name and
-- RPPS number only on the person's attendance certificates and to those who
-- pay for attendance.
CREATE TABLE professional_profiles (
  user_id       bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  profession    text NOT NULL CHECK (profession IN ('gp', 'physician', 'nurse', 'midwife', 'pharmacist',
                  'psychologist', 'tobacco_specialist', 'addiction_specialist', 'social_worker',
                  'prevention_worker', 'physiotherapist', 'occupational_health', 'patient_expert', 'other')),
  organisation  text NOT NULL CHECK (char_length(organisation) BETWEEN 1 AND 200),
  department    text NOT NULL CHECK (department ~ '^(0[1-9]|1[0-9]|2[1-9]|2A|2B|[3-8][0-9]|9[0-5]|97[1-8])$'),
  self_employed boolean NOT NULL,
  industry      boolean NOT NULL,
  legal_name    text CHECK (char_length(legal_name) BETWEEN 1 AND 200),
  rpps          text CHECK (rpps ~ '^[0-9]{11}$'),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE meetings (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  group_id         bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  space_id         bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  created_by       bigint REFERENCES users (id) ON DELETE SET NULL,
  title            text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
  description      text NOT NULL DEFAULT '' CHECK (char_length(description) <= 8000),
  kind             text NOT NULL CHECK (kind IN ('webinar', 'meeting', 'practice', 'intervision')),
  mode             text NOT NULL CHECK (mode IN ('online', 'in_person', 'hybrid')),
  location         text CHECK (char_length(location) <= 300),
  join_url         text CHECK (char_length(join_url) <= 2000),
  timezone         text NOT NULL,
  duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN 5 AND 1440),
  waitlist         boolean NOT NULL DEFAULT true,
  audience         text NOT NULL DEFAULT 'group' CHECK (audience IN ('group', 'space')),
  max_cases        smallint CHECK (max_cases BETWEEN 1 AND 5),
  state            text NOT NULL DEFAULT 'scheduled' CHECK (state IN ('scheduled', 'cancelled')),
  cancel_reason    text CHECK (char_length(cancel_reason) <= 500),
  sequence         integer NOT NULL DEFAULT 0,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX meetings_group_idx ON meetings (group_id);
CREATE INDEX meetings_space_idx ON meetings (space_id) WHERE audience = 'space';

-- One meeting, one or more occurrences, each with its own seats,
-- registrations, state and attendance. Occurrences sharing a slot key are
-- alternatives with the same content (one registration among them).
CREATE TABLE meeting_occurrences (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  meeting_id       bigint NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
  position         smallint NOT NULL,
  local_start      timestamp NOT NULL,
  starts_at        timestamptz NOT NULL,
  ends_at          timestamptz NOT NULL,
  capacity         integer CHECK (capacity BETWEEN 1 AND 100000),
  slot_key         text NOT NULL,
  state            text NOT NULL DEFAULT 'scheduled' CHECK (state IN ('scheduled', 'cancelled')),
  cancel_reason    text CHECK (char_length(cancel_reason) <= 500),
  registered_count integer NOT NULL DEFAULT 0 CHECK (registered_count >= 0),
  waitlist_seq     bigint NOT NULL DEFAULT 0,
  sequence         integer NOT NULL DEFAULT 0,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (meeting_id, position),
  CHECK (capacity IS NULL OR registered_count <= capacity OR state = 'cancelled')
);
CREATE INDEX meeting_occurrences_meeting_idx ON meeting_occurrences (meeting_id, starts_at);
CREATE INDEX meeting_occurrences_start_idx ON meeting_occurrences (starts_at);

-- A seat or a place on the waiting list (FIFO by waitlist_no).
CREATE TABLE meeting_registrations (
  occurrence_id bigint NOT NULL REFERENCES meeting_occurrences (id) ON DELETE CASCADE,
  user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  meeting_id    bigint NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
  slot_key      text NOT NULL,
  state         text NOT NULL CHECK (state IN ('registered', 'waitlisted')),
  waitlist_no   bigint,
  created_at    timestamptz NOT NULL DEFAULT now(),
  promoted_at   timestamptz,
  PRIMARY KEY (occurrence_id, user_id),
  UNIQUE (meeting_id, slot_key, user_id)
);
CREATE INDEX meeting_registrations_user_idx ON meeting_registrations (user_id, occurrence_id);
CREATE INDEX meeting_registrations_queue_idx ON meeting_registrations (occurrence_id, waitlist_no)
  WHERE state = 'waitlisted';

-- The attendance sheet (émargement): signed by the person or marked by an organiser.
CREATE TABLE meeting_attendance (
  occurrence_id bigint NOT NULL REFERENCES meeting_occurrences (id) ON DELETE CASCADE,
  user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  present       boolean NOT NULL,
  signed_at     timestamptz NOT NULL DEFAULT now(),
  signed_by     bigint REFERENCES users (id) ON DELETE SET NULL,
  PRIMARY KEY (occurrence_id, user_id)
);

-- Reminders sent (the scheduler's run rows: exactly once per person, occurrence and kind).
CREATE TABLE meeting_reminders (
  occurrence_id bigint NOT NULL REFERENCES meeting_occurrences (id) ON DELETE CASCADE,
  user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  kind          text NOT NULL CHECK (kind IN ('24h', '1h')),
  sent_at       timestamptz NOT NULL,
  PRIMARY KEY (occurrence_id, user_id, kind)
);

-- A person's calendar feed: only the token's SHA-256; one per person.
CREATE TABLE calendar_feeds (
  user_id    bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Mail may carry one attachment (a reminder's .ics).
ALTER TABLE mail_outbox ADD COLUMN attachment_name text, ADD COLUMN attachment_type text,
  ADD COLUMN attachment text;

ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('welcome', 'newcomer', 'badge',
  'daily_congrats', 'join_request', 'join_approved', 'mention', 'reply', 'event_reminder', 'moderation', 'report',
  'meeting_reminder', 'meeting_promoted', 'meeting_cancelled'));
