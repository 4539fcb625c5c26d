-- Up Migration

-- Open sign-up proves that the person owns the address: a signed-up account stays pending
-- (verified_at NULL) until the link mailed to the address is opened, and a pending account can
-- neither sign in nor pass SMTP AUTH. Accounts that exist already were created by an admin or
-- before verification existed: they keep working (the default fills them with now()).
ALTER TABLE users ADD COLUMN verified_at timestamptz DEFAULT now();

-- Single-use verification links, stored hashed like sessions. Each link carries the password
-- hash of the sign-up that asked for it, so opening it activates exactly that password: a later
-- sign-up for the same pending address cannot swap its own password in under someone's link.
CREATE TABLE address_verifications (
  token_hash text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  password_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);

CREATE INDEX address_verifications_user_idx ON address_verifications (user_id);

-- The retention job deletes expired rows in batches (messages/retention.ts); these indexes let
-- each batch find its rows without reading the whole table.
CREATE INDEX address_verifications_expires_idx ON address_verifications (expires_at);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
CREATE INDEX password_resets_expires_idx ON password_resets (expires_at);
CREATE INDEX auth_failures_expire_idx ON auth_failures (expire);
CREATE INDEX users_pending_idx ON users (created_at) WHERE verified_at IS NULL;

-- Down Migration

DROP INDEX users_pending_idx;
DROP INDEX auth_failures_expire_idx;
DROP INDEX password_resets_expires_idx;
DROP INDEX sessions_expires_idx;
DROP TABLE address_verifications;
ALTER TABLE users DROP COLUMN verified_at;
