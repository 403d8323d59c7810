-- Up Migration
-- Tamper-evident audit: each record carries the hash of the one before it and its own
-- (SHA-256 over the previous hash and the record's canonical JSON), one chain in id order, so a
-- day's first record anchors the day before. Records written before this migration stay unchained
-- (NULL); the chain starts at the first record after it.
ALTER TABLE audit_log ADD COLUMN prev_hash bytea;
ALTER TABLE audit_log ADD COLUMN hash bytea;
-- The last link, found by the next append and by the verifier's start.
CREATE INDEX audit_log_chained ON audit_log (id) WHERE hash IS NOT NULL;

-- Down Migration
DROP INDEX audit_log_chained;
ALTER TABLE audit_log DROP COLUMN hash;
ALTER TABLE audit_log DROP COLUMN prev_hash;
