-- Up Migration

-- Tenant settings the platform admin (or the Kubernetes operator) registers.
-- sign_up: 'open' lets anyone with an address in a sender domain create an account; 'invite'
-- leaves account creation to the tenant's admins.
ALTER TABLE tenants
  ADD COLUMN sign_up text NOT NULL DEFAULT 'invite' CHECK (sign_up IN ('open', 'invite')),
  ADD COLUMN confirmations_default boolean NOT NULL DEFAULT true,
  ADD COLUMN retention_days integer NOT NULL DEFAULT 90 CHECK (retention_days > 0),
  ADD COLUMN sender_domains text[] NOT NULL DEFAULT '{}';

-- role: 'user' sees its own mail; 'tenant-admin' also manages the tenant's users and mail.
-- confirmations: whether the relay mails a receipt for each delivered message.
ALTER TABLE users
  ADD COLUMN role text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'tenant-admin')),
  ADD COLUMN confirmations boolean NOT NULL DEFAULT true;

-- Operators of the whole installation. They sign in with API tokens only.
CREATE TABLE platform_admins (
  id text PRIMARY KEY,
  name text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Browser-style sessions from signIn. Only the SHA-256 of the token is stored: the tokens are
-- 256 random bits, so a fast hash is enough and a stolen table holds no usable token.
CREATE TABLE sessions (
  token_hash text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);

CREATE INDEX sessions_user_idx ON sessions (user_id);

-- Named long-lived tokens for scripts, owned by a user or by a platform admin (exactly one).
CREATE TABLE api_tokens (
  id text PRIMARY KEY,
  token_hash text NOT NULL UNIQUE,
  name text NOT NULL,
  user_id text REFERENCES users (id) ON DELETE CASCADE,
  platform_admin_id text REFERENCES platform_admins (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  CHECK ((user_id IS NULL) <> (platform_admin_id IS NULL))
);

CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

-- Single-use password reset tokens, stored hashed like sessions.
CREATE TABLE password_resets (
  token_hash text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);

CREATE INDEX password_resets_user_idx ON password_resets (user_id);

-- Failed sign-in and SMTP AUTH counters, in rate-limiter-flexible's RateLimiterPostgres layout
-- (key, points, expire in epoch milliseconds). Created here so the API needs no DDL rights.
CREATE TABLE auth_failures (
  key varchar(255) PRIMARY KEY,
  points integer NOT NULL DEFAULT 0,
  expire bigint
);

-- Down Migration

DROP TABLE auth_failures;
DROP TABLE password_resets;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE platform_admins;
ALTER TABLE users DROP COLUMN confirmations, DROP COLUMN role;
ALTER TABLE tenants
  DROP COLUMN sender_domains,
  DROP COLUMN retention_days,
  DROP COLUMN confirmations_default,
  DROP COLUMN sign_up;
