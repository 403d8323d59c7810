-- Up Migration

-- Malls of the group. A deployment that never names one runs as the mall 'default', created here.
-- time_zone null: the deployment's MALL_TIMEZONE. (Citus: a reference table.)
CREATE TABLE malls (
  id         text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  name       text NOT NULL,
  time_zone  text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO malls (id, name) VALUES ('default', 'Default mall');

-- Stores in a mall, each optionally of a brand. (Citus: a reference table.)
CREATE TABLE stores (
  id         text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
  mall_id    text NOT NULL REFERENCES malls (id),
  name       text NOT NULL,
  brand      text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stores_mall_idx ON stores (mall_id);

-- Cameras belong to a mall; API keys may be bound to a mall or to a store (a till's key).
ALTER TABLE cameras ADD COLUMN mall_id text NOT NULL DEFAULT 'default' REFERENCES malls (id);
ALTER TABLE api_keys ADD COLUMN mall_id text REFERENCES malls (id);
ALTER TABLE api_keys ADD COLUMN store_id text REFERENCES stores (id);

-- A member's home mall: where they enrolled, or set by an operator. The last four digits of the
-- phone are the second factor's bucket, found through an index, never by scanning members.
ALTER TABLE members ADD COLUMN home_mall_id text NOT NULL DEFAULT 'default' REFERENCES malls (id);
ALTER TABLE members ADD COLUMN phone_last4 text
  GENERATED ALWAYS AS (CASE WHEN phone IS NULL THEN NULL ELSE right(regexp_replace(phone, '[^0-9]', '', 'g'), 4) END) STORED;
CREATE INDEX members_phone_last4_idx ON members (phone_last4) WHERE phone_last4 IS NOT NULL;
CREATE INDEX members_home_mall_idx ON members (home_mall_id);

-- Where a visit and a purchase happened (the camera's mall, the store's mall).
ALTER TABLE visits ADD COLUMN mall_id text NOT NULL DEFAULT 'default';
ALTER TABLE purchases ADD COLUMN mall_id text NOT NULL DEFAULT 'default';
CREATE INDEX visits_mall_time_idx ON visits (mall_id, last_seen_at);

-- The last time a member was seen, bought or was found by a second factor at a mall: a mall's
-- regulars are its home members and those active here within REGULAR_DAYS. One row per member and
-- mall, kept in the transaction of the activity. (Citus: distributed by member_id.)
CREATE TABLE member_mall_activity (
  member_id uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
  mall_id   text NOT NULL REFERENCES malls (id),
  last_at   timestamptz NOT NULL,
  reason    text NOT NULL CHECK (reason IN ('visit', 'purchase', 'second_factor')),
  PRIMARY KEY (member_id, mall_id)
);
CREATE INDEX member_mall_activity_mall_idx ON member_mall_activity (mall_id, last_at);
INSERT INTO member_mall_activity (member_id, mall_id, last_at, reason)
  SELECT member_id, 'default', max(last_seen_at), 'visit' FROM visits GROUP BY member_id;
INSERT INTO member_mall_activity (member_id, mall_id, last_at, reason)
  SELECT member_id, 'default', max(at), 'purchase' FROM purchases GROUP BY member_id
  ON CONFLICT (member_id, mall_id) DO UPDATE SET last_at = greatest(member_mall_activity.last_at, excluded.last_at);

-- A face as a till saw it: named by a single-use id for RECOGNITION_TTL_SECONDS. The descriptor
-- (never the image) is kept only that long, for a second factor; the row a while longer, so that
-- a late use is told "expired" rather than "unknown". (Citus: distributed by id; member_id is
-- looked up through the row, never joined across shards.)
CREATE TABLE recognitions (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  key_id        uuid NOT NULL,
  mall_id       text NOT NULL,
  store_id      text,
  member_id     uuid REFERENCES members (id) ON DELETE CASCADE,
  via           text,
  descriptor    real[],
  model_name    text NOT NULL,
  liveness      boolean,
  second_factor_tries integer NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  used_at       timestamptz
);
CREATE INDEX recognitions_expiry_idx ON recognitions (expires_at);
CREATE INDEX recognitions_member_idx ON recognitions (member_id) WHERE member_id IS NOT NULL;

-- Two members whose faces the background sweep found alike (the same person enrolled twice?),
-- for an operator to merge or dismiss. No foreign keys (the pair may live on two shards under
-- Citus): a purge deletes a member's suspects itself.
CREATE TABLE duplicate_suspects (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  member_id        uuid NOT NULL,
  face_id          uuid NOT NULL,
  other_member_id  uuid NOT NULL,
  other_face_id    uuid NOT NULL,
  similarity       real NOT NULL,
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'dismissed', 'merged')),
  found_at         timestamptz NOT NULL DEFAULT now(),
  decided_at       timestamptz,
  CHECK (member_id <> other_member_id)
);
-- One suspicion per pair of members, whichever came first.
CREATE UNIQUE INDEX duplicate_suspects_pair_key ON duplicate_suspects (least(member_id, other_member_id), greatest(member_id, other_member_id));
CREATE INDEX duplicate_suspects_pending_idx ON duplicate_suspects (found_at DESC) WHERE status = 'pending';
CREATE INDEX duplicate_suspects_member_idx ON duplicate_suspects (member_id);
CREATE INDEX duplicate_suspects_other_member_idx ON duplicate_suspects (other_member_id);

-- How far the sweep has compared new templates (by label).
CREATE TABLE duplicate_sweep (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  last_label bigint NOT NULL DEFAULT 0
);
INSERT INTO duplicate_sweep DEFAULT VALUES;

-- Down Migration

DROP TABLE duplicate_sweep;
DROP TABLE duplicate_suspects;

DROP TABLE recognitions;
DROP TABLE member_mall_activity;
DROP INDEX visits_mall_time_idx;
ALTER TABLE purchases DROP COLUMN mall_id;
ALTER TABLE visits DROP COLUMN mall_id;
DROP INDEX members_home_mall_idx;
DROP INDEX members_phone_last4_idx;
ALTER TABLE members DROP COLUMN phone_last4;
ALTER TABLE members DROP COLUMN home_mall_id;
ALTER TABLE api_keys DROP COLUMN store_id;
ALTER TABLE api_keys DROP COLUMN mall_id;
ALTER TABLE cameras DROP COLUMN mall_id;
DROP TABLE stores;
DROP TABLE malls;
