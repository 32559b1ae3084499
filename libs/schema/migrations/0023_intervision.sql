-- Intervision (issue 19): case review among the professionals around one
-- person, in a group of a professional space (the "pole"). No name,
-- initial or alias of the person is stored: a case has an opaque code made by
-- the server, and its free text is screened before it is written.

-- Who runs the pole's intervisions (appointed by its owners or platform admins).
CREATE TABLE intervision_roles (
  group_id    bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role        text NOT NULL CHECK (role IN ('facilitator', 'coordinator', 'expert')),
  granted_by  bigint REFERENCES users (id) ON DELETE SET NULL,
  granted_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, user_id)
);
CREATE INDEX intervision_roles_user ON intervision_roles (user_id);

-- A coordinator's confirmation of a professional's profile and affiliation;
-- it lapses when the profile's profession, organisation, département or
-- industry affiliation changes.
CREATE TABLE professional_confirmations (
  group_id      bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  confirmed_by  bigint REFERENCES users (id) ON DELETE SET NULL,
  confirmed_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, user_id)
);
CREATE INDEX professional_confirmations_user ON professional_confirmations (user_id);

-- Leaving a pole ends one's role and confirmation there.
CREATE FUNCTION intervision_membership_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM intervision_roles WHERE group_id = OLD.group_id AND user_id = OLD.user_id;
  DELETE FROM professional_confirmations WHERE group_id = OLD.group_id AND user_id = OLD.user_id;
  RETURN NULL;
END $$;
CREATE TRIGGER memberships_intervision AFTER DELETE ON memberships
  FOR EACH ROW EXECUTE FUNCTION intervision_membership_gone();

CREATE TABLE intervision_cases (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  group_id       bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  code           text NOT NULL UNIQUE,
  filed_by       bigint REFERENCES users (id) ON DELETE SET NULL,
  requester      text NOT NULL,
  addictions     text[] NOT NULL,
  reasons        text[] NOT NULL,
  summary        text NOT NULL,
  consent_basis  text NOT NULL CHECK (consent_basis IN ('written', 'oral', 'care_breakdown')),
  withheld       text[] NOT NULL DEFAULT '{}',
  state          text NOT NULL CHECK (state IN ('active', 'awaiting_approval')),
  approved_by    bigint REFERENCES users (id) ON DELETE SET NULL,
  approved_at    timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX intervision_cases_group ON intervision_cases (group_id, id);

-- The people the consent names: invited, or refused by the person.
CREATE TABLE intervision_case_people (
  case_id   bigint NOT NULL REFERENCES intervision_cases (id) ON DELETE CASCADE,
  user_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  relation  text NOT NULL CHECK (relation IN ('invited', 'excluded')),
  PRIMARY KEY (case_id, user_id)
);
CREATE INDEX intervision_case_people_user ON intervision_case_people (user_id);

-- A case on one intervision occurrence's agenda (again on a later one: a review).
CREATE TABLE intervision_agenda_items (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  occurrence_id  bigint NOT NULL REFERENCES meeting_occurrences (id) ON DELETE CASCADE,
  case_id        bigint NOT NULL REFERENCES intervision_cases (id) ON DELETE CASCADE,
  added_by       bigint REFERENCES users (id) ON DELETE SET NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (occurrence_id, case_id)
);
CREATE INDEX intervision_agenda_items_case ON intervision_agenda_items (case_id);

-- The follow-up sheet of one agenda item (Annexe II of the guide).
CREATE TABLE intervision_sheets (
  agenda_item_id       bigint PRIMARY KEY REFERENCES intervision_agenda_items (id) ON DELETE CASCADE,
  consent_recorded     text NOT NULL CHECK (consent_recorded IN ('yes', 'no', 'unknown')),
  requesters           text[] NOT NULL,
  addictions           text[] NOT NULL,
  reasons              text[] NOT NULL,
  has_gp               boolean NOT NULL,
  gp_invited           boolean NOT NULL,
  has_pharmacist       boolean NOT NULL,
  pharmacist_invited   boolean NOT NULL,
  difficulties         text[] NOT NULL,
  motivation_stage     text NOT NULL,
  issues_found         text NOT NULL,
  proposals            text[] NOT NULL,
  proposal_details     text NOT NULL,
  objective_met        text NOT NULL CHECK (objective_met IN ('yes', 'partly', 'no')),
  report_back_user_id  bigint REFERENCES users (id) ON DELETE SET NULL,
  next_review_in_days  integer CHECK (next_review_in_days BETWEEN 1 AND 730),
  review_due_at        timestamptz,
  review_sent_at       timestamptz,
  filled_by            bigint REFERENCES users (id) ON DELETE SET NULL,
  updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX intervision_sheets_review_due ON intervision_sheets (review_due_at)
  WHERE review_sent_at IS NULL AND review_due_at IS NOT NULL;

-- What remains of a withdrawn case: its pole, when, and an HMAC of its code
-- (so that the code is never given again), nothing else.
CREATE TABLE intervision_withdrawals (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  group_id      bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  code_hmac     bytea NOT NULL UNIQUE,
  withdrawn_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX intervision_withdrawals_group ON intervision_withdrawals (group_id, withdrawn_at);

-- Keys the server makes for itself on first use (the case codes' HMAC key,
-- unless COLIBRI_CASE_CODE_KEY gives one).
CREATE TABLE server_keys (
  name  text PRIMARY KEY,
  key   bytea NOT NULL
);

-- Who may take part in the intervisions of a pole: a member with a
-- professional profile that is neither industry nor patient_expert nor
-- other, confirmed by a coordinator or holding a role there.
CREATE VIEW intervision_eligible AS
  SELECT mm.group_id, mm.user_id
  FROM memberships mm
  JOIN professional_profiles pp ON pp.user_id = mm.user_id
  JOIN users u ON u.id = mm.user_id AND u.deleted_at IS NULL
  WHERE NOT pp.industry AND pp.profession NOT IN ('patient_expert', 'other')
    AND (EXISTS (SELECT 1 FROM professional_confirmations pc
                 WHERE pc.group_id = mm.group_id AND pc.user_id = mm.user_id)
      OR EXISTS (SELECT 1 FROM intervision_roles ir WHERE ir.group_id = mm.group_id AND ir.user_id = mm.user_id));

-- A case's participants: who filed it, the invited and the pole's
-- facilitators, coordinators and experts, among the eligible, less anyone
-- the person's consent refused.
CREATE VIEW intervision_participants AS
  SELECT c.id AS case_id, e.user_id
  FROM intervision_cases c
  JOIN intervision_eligible e ON e.group_id = c.group_id
  WHERE (c.filed_by = e.user_id
      OR EXISTS (SELECT 1 FROM intervision_case_people p
                 WHERE p.case_id = c.id AND p.user_id = e.user_id AND p.relation = 'invited')
      OR EXISTS (SELECT 1 FROM intervision_roles r WHERE r.group_id = c.group_id AND r.user_id = e.user_id))
    AND NOT EXISTS (SELECT 1 FROM intervision_case_people x
                    WHERE x.case_id = c.id AND x.user_id = e.user_id AND x.relation = 'excluded');

ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('welcome', 'newcomer', 'badge',
  'daily_congrats', 'join_request', 'join_approved', 'mention', 'reply', 'event_reminder', 'moderation', 'report',
  'meeting_reminder', 'meeting_promoted', 'meeting_cancelled', 'watch_digest', 'case_withdrawn', 'case_review_due'));
-- The review notices of a case, found again when its consent is withdrawn.
CREATE INDEX notifications_case ON notifications ((data->>'case_id')) WHERE kind = 'case_review_due';
