-- Admins suspend an account (issue 14, item 3): its sessions end, its
-- logins are refused with the reason, until an admin lifts it. Platform
-- actions have their own audit log (group moderation has audit_log).
ALTER TABLE users ADD COLUMN suspended_at timestamptz,
                  ADD COLUMN suspended_reason text CHECK (char_length(suspended_reason) <= 500);
CREATE TABLE admin_audit (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  actor_id       bigint REFERENCES users (id) ON DELETE SET NULL,
  action         text NOT NULL CHECK (action IN ('suspend', 'lift_suspension')),
  target_user_id bigint REFERENCES users (id) ON DELETE SET NULL,
  reason         text NOT NULL DEFAULT '',
  created_at     timestamptz NOT NULL DEFAULT now()
);
