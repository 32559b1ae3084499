-- Help at night (issue 20): a moderator may be on call for a group; a
-- report of distress goes at once to the group's on-call moderators (to all
-- its moderators when none is) as a `distress` notification.
ALTER TABLE memberships ADD COLUMN on_call boolean NOT NULL DEFAULT false;
CREATE INDEX memberships_on_call ON memberships (group_id) WHERE on_call;

ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('welcome', 'newcomer', 'badge',
  'daily_congrats', 'join_request', 'join_approved', 'mention', 'reply', 'event_reminder', 'moderation', 'report',
  'meeting_reminder', 'meeting_promoted', 'meeting_cancelled', 'watch_digest', 'case_withdrawn', 'case_review_due',
  'distress'));
