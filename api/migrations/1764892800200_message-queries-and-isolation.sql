-- Up Migration

-- Tenant isolation, second layer (see api/README.md, "Tenant isolation").
--
-- The API's pool runs as zajoni_app (db/pool.ts sets `role` at connection start): a role that
-- owns nothing, is not a superuser and has no BYPASSRLS, so row-level security applies to every
-- query it sends. Migrations and operators keep the login role (the tables' owner), which RLS
-- does not restrict. Roles are cluster-wide: when the migration role may not create roles, a
-- DBA creates zajoni_app (NOLOGIN) beforehand and grants it to the login role.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'zajoni_app') THEN
    CREATE ROLE zajoni_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
  END IF;
END
$$;

GRANT zajoni_app TO CURRENT_USER;

GRANT USAGE ON SCHEMA public TO zajoni_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO zajoni_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO zajoni_app;
-- Tables later migrations create (as this same role) are the API's to use too.
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO zajoni_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO zajoni_app;
-- node-pg-migrate's bookkeeping is the migration role's alone.
REVOKE ALL ON schema_migrations FROM zajoni_app;

-- Per-tenant retention of transcripts (accounts adds it too; whichever runs first creates it).
ALTER TABLE tenants
  ADD COLUMN IF NOT EXISTS retention_days integer NOT NULL DEFAULT 90 CHECK (retention_days > 0);

-- recipients and attempts carry their message's tenant, so that their policies need no join.
-- The composite foreign keys keep the copy equal to the message's tenant.
ALTER TABLE messages ADD CONSTRAINT messages_queue_id_tenant_key UNIQUE (queue_id, tenant_id);

ALTER TABLE recipients ADD COLUMN tenant_id text;
UPDATE recipients r SET tenant_id = m.tenant_id FROM messages m WHERE m.queue_id = r.queue_id;
ALTER TABLE recipients
  ALTER COLUMN tenant_id SET NOT NULL,
  DROP CONSTRAINT recipients_queue_id_fkey,
  ADD CONSTRAINT recipients_message_fkey FOREIGN KEY (queue_id, tenant_id)
    REFERENCES messages (queue_id, tenant_id) ON DELETE CASCADE;

ALTER TABLE attempts ADD COLUMN tenant_id text;
UPDATE attempts a SET tenant_id = m.tenant_id FROM messages m WHERE m.queue_id = a.queue_id;
ALTER TABLE attempts
  ALTER COLUMN tenant_id SET NOT NULL,
  DROP CONSTRAINT attempts_queue_id_fkey,
  ADD CONSTRAINT attempts_message_fkey FOREIGN KEY (queue_id, tenant_id)
    REFERENCES messages (queue_id, tenant_id) ON DELETE CASCADE;

-- A row is visible and writable only inside a transaction that set zajoni.tenant to its tenant
-- (db/tenant-scope.ts). Unset, current_setting gives NULL or '', which matches no tenant id.
ALTER TABLE messages ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON messages
  USING (tenant_id = current_setting('zajoni.tenant', true))
  WITH CHECK (tenant_id = current_setting('zajoni.tenant', true));

ALTER TABLE recipients ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON recipients
  USING (tenant_id = current_setting('zajoni.tenant', true))
  WITH CHECK (tenant_id = current_setting('zajoni.tenant', true));

ALTER TABLE attempts ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON attempts
  USING (tenant_id = current_setting('zajoni.tenant', true))
  WITH CHECK (tenant_id = current_setting('zajoni.tenant', true));

-- Indexes for the messages filters (api/src/messages/filter.ts). Each listing walks
-- (scope, submitted_at DESC, queue_id DESC) for keyset pagination; these let the planner start
-- from the filter instead when it is selective.

-- A tenant admin's listing, and retention's "older than" scan per tenant.
CREATE INDEX messages_tenant_newest_idx
  ON messages (tenant_id, submitted_at DESC, queue_id DESC);

CREATE INDEX messages_message_id_idx
  ON messages (message_id_header) WHERE message_id_header IS NOT NULL;

CREATE INDEX messages_sender_idx ON messages (tenant_id, sender, submitted_at DESC);

-- Subject prefix, case-insensitive: LIKE 'prefix%' on lower(subject) with pattern ops.
CREATE INDEX messages_subject_prefix_idx ON messages (lower(subject) text_pattern_ops);

-- Recipient filters: the whole address case-insensitively, or its domain.
ALTER TABLE recipients
  ADD COLUMN domain text GENERATED ALWAYS AS (lower(split_part(address, '@', -1))) STORED;
CREATE INDEX recipients_address_idx ON recipients (lower(address));
CREATE INDEX recipients_domain_idx ON recipients (domain);

-- Down Migration

DROP INDEX recipients_domain_idx;
DROP INDEX recipients_address_idx;
ALTER TABLE recipients DROP COLUMN domain;
DROP INDEX messages_subject_prefix_idx;
DROP INDEX messages_sender_idx;
DROP INDEX messages_message_id_idx;
DROP INDEX messages_tenant_newest_idx;
DROP POLICY tenant_isolation ON attempts;
ALTER TABLE attempts DISABLE ROW LEVEL SECURITY;
DROP POLICY tenant_isolation ON recipients;
ALTER TABLE recipients DISABLE ROW LEVEL SECURITY;
DROP POLICY tenant_isolation ON messages;
ALTER TABLE messages DISABLE ROW LEVEL SECURITY;
ALTER TABLE attempts
  DROP CONSTRAINT attempts_message_fkey,
  ADD CONSTRAINT attempts_queue_id_fkey FOREIGN KEY (queue_id)
    REFERENCES messages (queue_id) ON DELETE CASCADE,
  DROP COLUMN tenant_id;
ALTER TABLE recipients
  DROP CONSTRAINT recipients_message_fkey,
  ADD CONSTRAINT recipients_queue_id_fkey FOREIGN KEY (queue_id)
    REFERENCES messages (queue_id) ON DELETE CASCADE,
  DROP COLUMN tenant_id;
ALTER TABLE messages DROP CONSTRAINT messages_queue_id_tenant_key;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM zajoni_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM zajoni_app;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM zajoni_app;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM zajoni_app;
REVOKE USAGE ON SCHEMA public FROM zajoni_app;
