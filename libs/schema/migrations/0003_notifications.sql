-- Notifications, stored per user: the socket pushes them live (through the
-- user's Redis channel) and replays the missed ones after `hello`; REST lists
-- them and marks them read. Texts are rendered in the user's language when
-- the notification is created.

CREATE TABLE notifications (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  kind       text NOT NULL CHECK (kind IN ('welcome', 'newcomer', 'badge', 'daily_congrats', 'join_request',
                                           'join_approved', 'mention', 'reply', 'event_reminder', 'moderation', 'report')),
  title      text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
  body       text NOT NULL DEFAULT '' CHECK (char_length(body) <= 8000),
  data       jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(data) = 'object'),
  created_at timestamptz NOT NULL DEFAULT now(),
  read_at    timestamptz
);
CREATE INDEX notifications_user_idx ON notifications (user_id, id);
