-- Up Migration
-- Keys for probes: the descriptors of faces a till saw (recognitions, live for
-- RECOGNITION_TTL_SECONDS), sealed under the key of the hour they were seen. A key is destroyed
-- once every probe it sealed has expired, so a WAL archive's copy of a probe stops opening soon
-- after, whoever's face it was.
CREATE TABLE probe_keys (
  id            uuid PRIMARY KEY,
  wrapped       bytea NOT NULL,
  master_key_id text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX probe_keys_by_master ON probe_keys (master_key_id, id);

-- Down Migration
DROP TABLE probe_keys;
