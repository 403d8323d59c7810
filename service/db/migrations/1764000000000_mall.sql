-- Up Migration

-- Cloud ID: identifiers from other systems (alipay, wechat, app user id…), each unique per kind.
CREATE TABLE member_external_ids (
  kind       text NOT NULL,
  value      text NOT NULL,
  member_id  uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
  PRIMARY KEY (kind, value),
  UNIQUE (member_id, kind)
);
INSERT INTO member_external_ids (kind, value, member_id)
  SELECT e.key, e.value, m.id FROM members m, jsonb_each_text(m.external_ids) e;
ALTER TABLE members DROP COLUMN external_ids;

-- Visitors (anonymous fan-level members) are purged at this time unless converted; null otherwise.
ALTER TABLE members ADD COLUMN expires_at timestamptz;
CREATE INDEX members_expiry_idx ON members (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX members_name_idx ON members (lower(name) text_pattern_ops);

-- A visit: one member seen by one camera, sightings closer than FRAME_DEDUP_SECONDS merged.
CREATE TABLE visits (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  member_id      uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
  camera_id      text NOT NULL,
  first_seen_at  timestamptz NOT NULL,
  last_seen_at   timestamptz NOT NULL,
  sightings      integer NOT NULL DEFAULT 1 CHECK (sightings > 0)
);
CREATE INDEX visits_member_time_idx ON visits (member_id, first_seen_at DESC, id DESC);
CREATE INDEX visits_member_camera_idx ON visits (member_id, camera_id, last_seen_at DESC);

-- A purchase, keyed by the POS transaction id (idempotency): request_hash tells a replay from a
-- conflicting reuse, response is the first answer, returned again on a replay.
CREATE TABLE purchases (
  transaction_id text PRIMARY KEY,
  member_id      uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
  request_hash   text NOT NULL,
  amount         numeric(14, 2) NOT NULL CHECK (amount >= 0),
  currency       text NOT NULL,
  items          jsonb NOT NULL,
  store_id       text,
  at             timestamptz NOT NULL,
  points         integer NOT NULL,
  -- json, not jsonb: a replay answers byte for byte what the first request got.
  response       json,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX purchases_member_time_idx ON purchases (member_id, at DESC, transaction_id DESC);

-- Points: an append-only ledger; the balance is its sum. A correction is a new entry.
CREATE TABLE points_ledger (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  member_id      uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
  delta          integer NOT NULL,
  reason         text NOT NULL,
  transaction_id text,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX points_ledger_member_idx ON points_ledger (member_id);
CREATE FUNCTION points_ledger_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'points_ledger is append-only';
END
$$;
CREATE TRIGGER points_ledger_append_only BEFORE UPDATE ON points_ledger
  FOR EACH ROW EXECUTE FUNCTION points_ledger_refuse_update();

-- Down Migration

DROP TABLE points_ledger;
DROP FUNCTION points_ledger_refuse_update();
DROP TABLE purchases;
DROP TABLE visits;
DROP INDEX members_name_idx;
ALTER TABLE members DROP COLUMN expires_at;
ALTER TABLE members ADD COLUMN external_ids jsonb NOT NULL DEFAULT '{}'::jsonb;
UPDATE members m SET external_ids = (
  SELECT coalesce(jsonb_object_agg(kind, value), '{}'::jsonb) FROM member_external_ids e WHERE e.member_id = m.id
);
DROP TABLE member_external_ids;
