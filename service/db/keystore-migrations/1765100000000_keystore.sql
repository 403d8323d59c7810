-- Up Migration
-- The keystore: a database of its own (KEYSTORE_DATABASE_URL), so that the data's backups, WAL
-- archives and dumps never hold the keys that open them. Every key here is wrapped by a master key
-- named by master_key_id; a purge deletes the member's row, and with it every older copy of their
-- face becomes unreadable.

-- Each member's data key (AES-256-GCM) for their descriptors and photos; made at their first face.
CREATE TABLE member_keys (
  member_id     uuid PRIMARY KEY,
  wrapped       bytea NOT NULL,
  master_key_id text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  rewrapped_at  timestamptz
);
-- Rotation walks the keys still wrapped by an old master key, and the start-up check samples each.
CREATE INDEX member_keys_by_master ON member_keys (master_key_id, member_id);

-- The key of one index snapshot on disk: replaced at each save, so an older snapshot file (a
-- backup of the data folder) becomes unreadable with the next one.
CREATE TABLE snapshot_keys (
  id            uuid PRIMARY KEY,
  wrapped       bytea NOT NULL,
  master_key_id text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE snapshot_keys;
DROP TABLE member_keys;
