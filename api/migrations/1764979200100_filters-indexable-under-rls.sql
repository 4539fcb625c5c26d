-- Up Migration

-- Row-level security lets the planner use a query's condition as an index condition only when
-- every function applied to a column in it is leakproof (it may not run before the policy has
-- filtered the rows). lower() and LIKE are not, so lower(address) = … and lower(subject) LIKE …
-- fell back to sequential scans for the API's role, whatever the expression indexes. Stored
-- lowercase copies compared with = and starts_with() (both leakproof) use plain indexes; EXPLAIN
-- checks this in test/api-explain.test.ts.
ALTER TABLE recipients
  ADD COLUMN address_lower text GENERATED ALWAYS AS (lower(address)) STORED;
DROP INDEX recipients_address_idx;
CREATE INDEX recipients_address_lower_idx ON recipients (address_lower);

ALTER TABLE messages
  ADD COLUMN subject_lower text GENERATED ALWAYS AS (lower(subject)) STORED;
DROP INDEX messages_subject_prefix_idx;
CREATE INDEX messages_subject_lower_idx ON messages (subject_lower text_pattern_ops);

-- Down Migration

DROP INDEX messages_subject_lower_idx;
ALTER TABLE messages DROP COLUMN subject_lower;
CREATE INDEX messages_subject_prefix_idx ON messages (lower(subject) text_pattern_ops);
DROP INDEX recipients_address_lower_idx;
ALTER TABLE recipients DROP COLUMN address_lower;
CREATE INDEX recipients_address_idx ON recipients (lower(address));
