-- Up Migration

-- Where a camera is: a zone of the mall (entrance, floor-2, food-court, car-park, …) and its place on
-- the mall's floor plan, as fractions of the plan's width and height (0–1, top left is 0,0), so the
-- plan can be replaced by a sharper image without moving the cameras.
ALTER TABLE cameras ADD COLUMN zone text CHECK (zone ~ '^[a-z][a-z0-9_-]{0,39}$');
ALTER TABLE cameras ADD COLUMN position_x real CHECK (position_x BETWEEN 0 AND 1);
ALTER TABLE cameras ADD COLUMN position_y real CHECK (position_y BETWEEN 0 AND 1);
ALTER TABLE cameras ADD CONSTRAINT cameras_position_whole CHECK ((position_x IS NULL) = (position_y IS NULL));

-- A mall's floor plan: one image (PNG, JPEG or WebP, checked on upload), small enough to live in
-- the database every replica reads. (Citus: a reference table.)
CREATE TABLE mall_floor_plans (
  mall_id      text PRIMARY KEY REFERENCES malls (id) ON DELETE CASCADE,
  content_type text NOT NULL,
  width        integer NOT NULL CHECK (width > 0),
  height       integer NOT NULL CHECK (height > 0),
  image        bytea NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- The trail: a visit row is one member before one camera. After TRAIL_RETENTION_DAYS the camera is
-- forgotten (camera_id null): the visit's time stays for the member's profile, where they went does
-- not.
ALTER TABLE visits ALTER COLUMN camera_id DROP NOT NULL;
CREATE INDEX visits_trail_expiry_idx ON visits (first_seen_at) WHERE camera_id IS NOT NULL;
-- A visit that brought the member back from dormancy (DORMANT_AFTER_DAYS without a visit or purchase),
-- decided when it started, for the dashboard.
ALTER TABLE visits ADD COLUMN returning_from_dormant boolean NOT NULL DEFAULT false;
-- Who the visitor was at the time: a full member or a fan-level one (a visitor who converts later
-- was fan-level on the days before).
ALTER TABLE visits ADD COLUMN member_kind text NOT NULL DEFAULT 'member' CHECK (member_kind IN ('member', 'visitor'));
UPDATE visits v SET member_kind = 'visitor' FROM members m WHERE m.id = v.member_id AND m.kind = 'visitor';
-- The few visits that brought a member back from dormancy, for the dashboard.
CREATE INDEX visits_returning_idx ON visits (mall_id, first_seen_at) INCLUDE (member_id) WHERE returning_from_dormant;

-- When a visitor (fan-level member) became a full member.
ALTER TABLE members ADD COLUMN converted_at timestamptz;

-- Counts that must outlive what they count: members who joined and left (a purge leaves no row to
-- count), conversions, and the faces the cameras tracked whether or not anyone was recognised. One
-- row per mall, hour, metric and camera ('' where no camera applies), added to in the transaction
-- of the event. Only counts: never a member id. (Citus: distributed by mall_id.)
CREATE TABLE mall_counts (
  mall_id   text NOT NULL,
  hour      timestamptz NOT NULL,
  metric    text NOT NULL CHECK (metric IN ('joined_member', 'joined_visitor', 'converted', 'left_member', 'left_visitor', 'faces_tracked', 'faces_recognised')),
  camera_id text NOT NULL DEFAULT '',
  count     bigint NOT NULL CHECK (count >= 0),
  PRIMARY KEY (mall_id, metric, hour, camera_id)
);

-- Footfall: each face once per local hour and day of its mall, per zone of the camera that saw it
-- ('' no zone) and over all zones ('*'), counted when the visit is recorded (a month of a busy
-- mall's visits is too many to count distinct faces in at every dashboard read). member_kind:
-- what the face was at its first visit of the bucket. Counts only; they outlive a purge, like
-- mall_counts. (Citus: distributed by mall_id.)
CREATE TABLE footfall (
  mall_id     text NOT NULL,
  granularity text NOT NULL CHECK (granularity IN ('hour', 'day')),
  bucket      timestamptz NOT NULL,
  zone        text NOT NULL,
  member_kind text NOT NULL CHECK (member_kind IN ('member', 'visitor')),
  faces       bigint NOT NULL CHECK (faces >= 0),
  PRIMARY KEY (mall_id, granularity, bucket, zone, member_kind)
);
INSERT INTO footfall (mall_id, granularity, bucket, zone, member_kind, faces)
SELECT mall_id, granularity, bucket, zone, member_kind, count(*)
  FROM (SELECT DISTINCT ON (v.mall_id, g.granularity, b.bucket, z.zone, v.member_id) v.mall_id, g.granularity, b.bucket, z.zone, v.member_kind
          FROM visits v JOIN malls m ON m.id = v.mall_id LEFT JOIN cameras c ON c.id = v.camera_id,
               (VALUES ('hour'), ('day')) g (granularity),
               LATERAL (SELECT date_trunc(g.granularity, v.first_seen_at AT TIME ZONE coalesce(m.time_zone, 'UTC')) AT TIME ZONE coalesce(m.time_zone, 'UTC') AS bucket) b,
               LATERAL (VALUES (coalesce(c.zone, '')), ('*')) z (zone)
         ORDER BY v.mall_id, g.granularity, b.bucket, z.zone, v.member_id, v.first_seen_at) firsts
 GROUP BY 1, 2, 3, 4, 5;

-- The dashboard's sales, summed by hour, store and currency in the transaction of each sale (a
-- month of a busy mall is 1.5M sales; a month of this is ~30k rows). Members' sales are those with
-- a member now: a purge moves its sales to the anonymous side here too. store_id '' for a sale
-- without a store. (Citus: distributed by mall_id.)
CREATE TABLE sales_hourly (
  mall_id       text NOT NULL,
  hour          timestamptz NOT NULL,
  store_id      text NOT NULL,
  currency      text NOT NULL,
  -- No CHECKs: an upsert's proposed row carries a change (−1 member sale), not a total, and
  -- PostgreSQL checks it before it finds the row to add it to.
  sales         bigint NOT NULL,
  amount        numeric(18, 2) NOT NULL,
  member_sales  bigint NOT NULL,
  member_amount numeric(18, 2) NOT NULL,
  PRIMARY KEY (mall_id, hour, store_id, currency)
);
INSERT INTO sales_hourly (mall_id, hour, store_id, currency, sales, amount, member_sales, member_amount)
SELECT mall_id, date_trunc('hour', at), coalesce(store_id, ''), currency, count(*), sum(amount),
       count(*) FILTER (WHERE member_id IS NOT NULL), coalesce(sum(amount) FILTER (WHERE member_id IS NOT NULL), 0)
  FROM sales GROUP BY 1, 2, 3, 4;

-- Down Migration

DROP TABLE sales_hourly;
DROP TABLE footfall;
DROP TABLE mall_counts;
ALTER TABLE members DROP COLUMN converted_at;
DROP INDEX visits_returning_idx;
ALTER TABLE visits DROP COLUMN member_kind;
ALTER TABLE visits DROP COLUMN returning_from_dormant;
DROP INDEX visits_trail_expiry_idx;
DELETE FROM visits WHERE camera_id IS NULL;
ALTER TABLE visits ALTER COLUMN camera_id SET NOT NULL;
DROP TABLE mall_floor_plans;
ALTER TABLE cameras DROP CONSTRAINT cameras_position_whole;
ALTER TABLE cameras DROP COLUMN position_y;
ALTER TABLE cameras DROP COLUMN position_x;
ALTER TABLE cameras DROP COLUMN zone;
