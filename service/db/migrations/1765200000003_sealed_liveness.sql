-- Up Migration
-- A passed liveness session's descriptor sealed under the hour's probe key, like a till's probes;
-- the frames' descriptors and the reference face patch are sealed inside their JSON the same way.
ALTER TABLE liveness_sessions ADD COLUMN descriptor_sealed bytea;
ALTER TABLE liveness_sessions ADD COLUMN probe_key_id uuid;

-- Down Migration
ALTER TABLE liveness_sessions DROP COLUMN probe_key_id;
ALTER TABLE liveness_sessions DROP COLUMN descriptor_sealed;
