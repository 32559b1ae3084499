-- Push to the phone and mail for those away (issue 20, items 3 and 4).
--
-- A Web Push subscription is a browser's: an endpoint at its push service
-- and the two keys that encrypt for it (RFC 8291). One person may have
-- several (phone, laptop); an endpoint belongs to one person at a time.
CREATE TABLE push_subscriptions (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  endpoint        text NOT NULL UNIQUE CHECK (char_length(endpoint) BETWEEN 10 AND 2000),
  p256dh          bytea NOT NULL CHECK (length(p256dh) = 65),
  auth            bytea NOT NULL CHECK (length(auth) = 16),
  created_at      timestamptz NOT NULL DEFAULT now(),
  last_success_at timestamptz
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);

-- What waits to be pushed: one row per notification and subscription,
-- queued by the trigger below in the transaction that stores the
-- notification (so a push leaves if and only if the notification exists).
-- The scheduler's push worker claims due rows FOR UPDATE SKIP LOCKED, sends,
-- and deletes the row in the same transaction; `urgent` (distress) ignores
-- quiet hours.
CREATE TABLE push_queue (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subscription_id bigint NOT NULL REFERENCES push_subscriptions (id) ON DELETE CASCADE,
  notification_id bigint NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
  urgent          boolean NOT NULL DEFAULT false,
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,  -- null: due now; else deferred (quiet hours, backoff, a send's lease)
  UNIQUE (subscription_id, notification_id)
);
CREATE INDEX push_queue_due ON push_queue (next_attempt_at NULLS FIRST, id);
CREATE INDEX push_queue_notification ON push_queue (notification_id);

-- Which notification kinds push, per preference (absent row: defaults).
CREATE FUNCTION colibri_queue_push() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  wanted boolean;
BEGIN
  SELECT CASE NEW.kind
           WHEN 'reply' THEN coalesce(p.push_replies, true)
           WHEN 'mention' THEN coalesce(p.push_mentions, true)
           WHEN 'dm' THEN coalesce(p.push_dms, true)
           WHEN 'daily_congrats' THEN coalesce(p.push_daily_congrats, true)
           WHEN 'badge' THEN coalesce(p.push_daily_congrats, true)
           WHEN 'report' THEN coalesce(p.push_moderation, true)
           WHEN 'join_request' THEN coalesce(p.push_moderation, true)
           WHEN 'distress' THEN true
           ELSE false END
    INTO wanted
    FROM (SELECT 1) one LEFT JOIN preferences p ON p.user_id = NEW.user_id;
  IF wanted THEN
    INSERT INTO push_queue (subscription_id, notification_id, urgent)
      SELECT s.id, NEW.id, NEW.kind = 'distress' FROM push_subscriptions s WHERE s.user_id = NEW.user_id;
    IF FOUND THEN
      PERFORM pg_notify('colibri_push', '');
    END IF;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER notifications_push AFTER INSERT ON notifications
  FOR EACH ROW EXECUTE FUNCTION colibri_queue_push();

-- A message in a direct conversation notifies the other side (`dm`).
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('welcome', 'newcomer', 'badge',
  'daily_congrats', 'join_request', 'join_approved', 'mention', 'reply', 'event_reminder', 'moderation', 'report',
  'meeting_reminder', 'meeting_promoted', 'meeting_cancelled', 'watch_digest', 'case_withdrawn', 'case_review_due',
  'distress', 'dm'));

-- The mail digest may quote messages only when the person chose it.
ALTER TABLE preferences ADD COLUMN mail_text boolean NOT NULL DEFAULT false;

-- A digest carries its one-click unsubscribe address (RFC 8058).
ALTER TABLE mail_outbox ADD COLUMN list_unsubscribe text;

-- One digest a day at most: when the last left and the newest notification
-- it covered (the next one starts after it).
CREATE TABLE mail_digest_state (
  user_id              bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  last_sent_at         timestamptz NOT NULL,
  last_notification_id bigint NOT NULL
);
-- Away: no session seen for a day (an open socket keeps its session seen).
CREATE INDEX sessions_user_seen_idx ON sessions (user_id, last_seen_at DESC);

-- A message's text as it reads now: its latest edit, nothing once deleted.
CREATE FUNCTION colibri_live_text(p_room text, p_seq bigint) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT coalesce((SELECT x.body FROM room_events x WHERE x.room = e.room AND x.kind = 'edit'
                     AND x.target_seq = e.seq ORDER BY x.seq DESC LIMIT 1), e.body)
  FROM room_events e
  WHERE e.room = p_room AND e.seq = p_seq AND e.kind = 'message'
    AND NOT EXISTS (SELECT 1 FROM room_events d WHERE d.room = e.room AND d.kind = 'delete' AND d.target_seq = e.seq)
$$;
