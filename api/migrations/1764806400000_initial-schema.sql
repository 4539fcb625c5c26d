-- Up Migration

-- A tenant is one customer installation. Ids are RFC 1123 labels (shared TENANT_ID) because they
-- double as NATS subject tokens and Kubernetes object names.
CREATE TABLE tenants (
  id text PRIMARY KEY CHECK (id ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  display_name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- An account. `address` is both the mail address and the SMTP AUTH username; its domain is stored
-- lowercase, its local part as given (RFC 5321 section 2.4 leaves local-part case to the host).
CREATE TABLE users (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants (id),
  address text NOT NULL,
  password_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, address)
);

-- GraphQL Basic auth finds an address across tenants when no tenant is named.
CREATE INDEX users_address_idx ON users (address);

-- One submitted message (one relay queue entry). `status` is derived from its recipients:
-- pending | deferred | delivered | bounced | partial (see api/src/messages/status.ts).
CREATE TABLE messages (
  queue_id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants (id),
  user_id text REFERENCES users (id) ON DELETE SET NULL,
  -- Envelope sender; '' is the null reverse-path, so the column is never NULL.
  sender text NOT NULL,
  auth_user text NOT NULL,
  message_id_header text,
  subject text,
  size integer NOT NULL CHECK (size >= 0),
  sha256 text NOT NULL,
  submitted_at timestamptz NOT NULL,
  status text NOT NULL
    CHECK (status IN ('pending', 'deferred', 'delivered', 'bounced', 'partial')),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- "A user's messages, newest first": keyset pagination on (submitted_at, queue_id).
CREATE INDEX messages_user_newest_idx
  ON messages (user_id, submitted_at DESC, queue_id DESC);

-- Each envelope recipient's latest known state. The attempt_* columns identify the attempt that
-- set it and order attempts (attempt, host_index, started_at, attempt_id): a record arriving late
-- updates the row only when it sorts after the stored one.
CREATE TABLE recipients (
  queue_id text NOT NULL REFERENCES messages (queue_id) ON DELETE CASCADE,
  address text NOT NULL,
  -- Index in the message's envelope recipient list; NULL for an address only an attempt named.
  position integer,
  status text NOT NULL CHECK (status IN ('pending', 'deferred', 'delivered', 'bounced')),
  remote_queue_id text,
  last_reply jsonb,
  reason text,
  attempt_id text,
  attempt integer,
  host_index integer,
  attempt_started_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (queue_id, address)
);

CREATE INDEX recipients_remote_queue_id_idx
  ON recipients (remote_queue_id) WHERE remote_queue_id IS NOT NULL;

-- One row per transcript record: one connection to one MX during one delivery attempt.
-- `record` keeps the whole record as received; the other columns are its fields for queries.
CREATE TABLE attempts (
  attempt_id text PRIMARY KEY,
  queue_id text NOT NULL REFERENCES messages (queue_id) ON DELETE CASCADE,
  domain text NOT NULL,
  attempt integer NOT NULL,
  host_index integer NOT NULL,
  started_at timestamptz NOT NULL,
  ended_at timestamptz NOT NULL,
  mx jsonb,
  tls jsonb,
  outcome text NOT NULL CHECK (outcome IN ('delivered', 'partial', 'deferred', 'bounced')),
  remote_queue_id text,
  final_reply jsonb,
  error text,
  steps jsonb NOT NULL,
  recipients jsonb NOT NULL,
  record jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX attempts_queue_id_idx ON attempts (queue_id, started_at);

CREATE INDEX attempts_remote_queue_id_idx
  ON attempts (remote_queue_id) WHERE remote_queue_id IS NOT NULL;

-- Down Migration

DROP TABLE attempts;
DROP TABLE recipients;
DROP TABLE messages;
DROP TABLE users;
DROP TABLE tenants;
