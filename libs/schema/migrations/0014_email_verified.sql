-- An address counts once its owner proved they read it (issue 14): set by
-- the verification link; admins are granted only to verified accounts.
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;
