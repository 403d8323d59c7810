-- Up Migration
-- A recognition's descriptor sealed under the hour's probe key (keystore probe_keys), named here.
-- The plain column stays for rows written before (they expire within RECOGNITION_TTL_SECONDS).
ALTER TABLE recognitions ADD COLUMN descriptor_sealed bytea;
ALTER TABLE recognitions ADD COLUMN probe_key_id uuid;

-- Down Migration
ALTER TABLE recognitions DROP COLUMN probe_key_id;
ALTER TABLE recognitions DROP COLUMN descriptor_sealed;
