-- Up Migration

-- A transcript record is a few kilobytes of JSON, stored whole (`record`) and as its steps: the
-- row passes PostgreSQL's TOAST threshold and every insert compresses it. lz4 compresses several
-- times faster than the default pglz (PostgreSQL 14 and later, where built with lz4). Values
-- already stored keep their compression; a server without lz4 keeps pglz.
DO $$
BEGIN
  ALTER TABLE attempts
    ALTER COLUMN record SET COMPRESSION lz4,
    ALTER COLUMN steps SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  RAISE NOTICE 'lz4 is not available: transcripts stay compressed with pglz';
END
$$;

-- Down Migration

ALTER TABLE attempts
  ALTER COLUMN record SET COMPRESSION default,
  ALTER COLUMN steps SET COMPRESSION default;
