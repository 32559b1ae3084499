-- Mail and account recovery (issue 14, items 1 and 2).
--
-- The outbox: a message is queued in the transaction that decides it (the
-- account, the reset request), so it is sent if and only if that commits.
-- The scheduler's leader sends it over SMTP, with retries and backoff; a
-- message leaves the table once the relay accepted it (or once given up), so
-- no address or link stays behind.
CREATE TABLE mail_outbox (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id         bigint REFERENCES users (id) ON DELETE CASCADE,
  kind            text NOT NULL,
  to_address      text NOT NULL,
  subject         text NOT NULL,
  body            text NOT NULL,
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at, id);
CREATE INDEX mail_outbox_user ON mail_outbox (user_id);

-- Single-use links: only the token's SHA-256 is stored. `verify` proves an
-- address (the one registered, or the new one of an email change: `email`);
-- `reset` sets a new password. An email-bound invitation given at
-- registration waits here for the address to be proved.
CREATE TABLE account_tokens (
  token_hash    text PRIMARY KEY,
  user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  purpose       text NOT NULL CHECK (purpose IN ('verify', 'reset')),
  email         text,
  invitation_id bigint REFERENCES invitations (id) ON DELETE SET NULL,
  expires_at    timestamptz NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX account_tokens_user ON account_tokens (user_id, purpose);

-- Addresses an account gave up (email change), kept only so that erasure can
-- delete what still holds them (invitations, throttle rows).
CREATE TABLE user_addresses (
  user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  email      text NOT NULL,
  used_until timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, email)
);
