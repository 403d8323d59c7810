-- Up Migration

-- Points as lots. Every credit (a purchase's points, a campaign's bonus, a merge) is a lot that may
-- expire; every debit (a redemption, a refund's reversal, an expiry) draws from exactly one lot, so
-- what is left of a lot is its credit plus its debits, and the ledger stays append-only.
-- `at` is when the entry took effect (a purchase's own time; null on rows written before lots:
-- created_at then). `reference` names what made the entry (a redemption, refund or campaign id).
ALTER TABLE points_ledger ADD COLUMN at timestamptz;
ALTER TABLE points_ledger ADD COLUMN lot_id bigint;
ALTER TABLE points_ledger ADD COLUMN expires_at timestamptz;
ALTER TABLE points_ledger ADD COLUMN reference text;
-- A debit names its lot; a credit is its own lot. Older rows are all credits (nothing debited before).
ALTER TABLE points_ledger ADD CONSTRAINT points_ledger_debit_has_lot
  CHECK ((delta >= 0 AND lot_id IS NULL) OR (delta < 0 AND lot_id IS NOT NULL)) NOT VALID;
CREATE INDEX points_ledger_lot_idx ON points_ledger (lot_id) WHERE lot_id IS NOT NULL;
CREATE INDEX points_ledger_expiry_idx ON points_ledger (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX points_ledger_transaction_idx ON points_ledger (transaction_id) WHERE transaction_id IS NOT NULL;

-- Every lot with what is left of it: its credit plus its debits. One definition for every reader.
CREATE VIEW points_lots AS
  SELECT l.id, l.member_id, l.reason, l.delta AS points, coalesce(l.at, l.created_at) AS at, l.expires_at,
         l.transaction_id, l.reference,
         l.delta + coalesce((SELECT sum(d.delta) FROM points_ledger d WHERE d.lot_id = l.id), 0) AS remaining
    FROM points_ledger l
   WHERE l.delta > 0;

-- `points.expiring` goes out once per lot: the lots already announced.
CREATE TABLE points_expiry_notices (
  member_id uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
  lot_id    bigint NOT NULL,
  sent_at   timestamptz NOT NULL,
  PRIMARY KEY (member_id, lot_id)
);

-- Points spent at a till, idempotent by the till's redemption id (like purchases).
CREATE TABLE redemptions (
  redemption_id  text PRIMARY KEY,
  member_id      uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
  request_hash   text NOT NULL,
  points         integer NOT NULL CHECK (points > 0),
  store_id       text,
  mall_id        text NOT NULL,
  recognition_id uuid,
  at             timestamptz NOT NULL,
  -- json, not jsonb: a replay answers byte for byte what the first request got.
  response       json
);
CREATE INDEX redemptions_member_idx ON redemptions (member_id, at DESC);

-- Returns: parts of a purchase refunded, idempotent by refund id, never more than the purchase.
CREATE TABLE refunds (
  refund_id            text PRIMARY KEY,
  member_id            uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
  transaction_id       text NOT NULL,
  request_hash         text NOT NULL,
  amount               numeric(14, 2) NOT NULL CHECK (amount > 0),
  items                jsonb NOT NULL DEFAULT '[]'::jsonb,
  points_reversed      integer NOT NULL,
  points_unrecoverable integer NOT NULL,
  at                   timestamptz NOT NULL,
  response             json
);
CREATE INDEX refunds_purchase_idx ON refunds (transaction_id);
CREATE INDEX refunds_member_idx ON refunds (member_id);

-- A birthday, as 'MM-DD' or 'YYYY-MM-DD' (a member may keep the year to themselves).
ALTER TABLE members ADD COLUMN birthday text
  CHECK (birthday ~ '^([0-9]{4}-)?(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$');
CREATE INDEX members_birthday_idx ON members ((right(birthday, 5))) WHERE birthday IS NOT NULL;

-- Campaigns: trigger → conditions → limits → effect. Never deleted (ended instead): coupons and
-- awards refer to them. mall_id null: the whole group's.
CREATE TABLE campaigns (
  id         uuid PRIMARY KEY,
  name       text NOT NULL,
  mall_id    text REFERENCES malls (id),
  status     text NOT NULL CHECK (status IN ('active', 'paused', 'ended')),
  trigger    text NOT NULL,
  conditions jsonb NOT NULL,
  limits     jsonb NOT NULL,
  effect     jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX campaigns_trigger_idx ON campaigns (trigger) WHERE status = 'active';

-- Each time a campaign applied to a member (what its per-member limit counts).
CREATE TABLE campaign_awards (
  id          bigint GENERATED ALWAYS AS IDENTITY,
  member_id   uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
  campaign_id uuid NOT NULL REFERENCES campaigns (id),
  at          timestamptz NOT NULL,
  points      integer NOT NULL DEFAULT 0,
  coupon_id   uuid,
  PRIMARY KEY (member_id, id)
);
CREATE INDEX campaign_awards_member_idx ON campaign_awards (member_id, campaign_id, at);

-- A campaign's total limit: awards counted in one row per campaign (a purge does not give them back).
CREATE TABLE campaign_budgets (
  campaign_id uuid PRIMARY KEY REFERENCES campaigns (id),
  awarded     integer NOT NULL DEFAULT 0
);

-- Coupons issued to a member by a campaign; used once, in a purchase's transaction.
CREATE TABLE coupons (
  id                  uuid PRIMARY KEY,
  member_id           uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
  campaign_id         uuid NOT NULL REFERENCES campaigns (id),
  title               text NOT NULL,
  kind                text NOT NULL CHECK (kind IN ('amount_off', 'percent_off', 'gift')),
  value               numeric(14, 2) NOT NULL CHECK (value >= 0),
  min_spend           numeric(14, 2) NOT NULL DEFAULT 0,
  categories          text[] NOT NULL DEFAULT '{}',
  mall_id             text,
  issued_at           timestamptz NOT NULL,
  expires_at          timestamptz NOT NULL,
  used_at             timestamptz,
  used_transaction_id text
);
CREATE INDEX coupons_member_idx ON coupons (member_id, expires_at);
CREATE INDEX coupons_campaign_idx ON coupons (campaign_id);

-- What a recognition was spent on (a redemption or a purchase with coupons).
ALTER TABLE recognitions ADD COLUMN used_for text;

-- Down Migration

ALTER TABLE recognitions DROP COLUMN used_for;
DROP TABLE coupons;
DROP TABLE campaign_budgets;
DROP TABLE campaign_awards;
DROP TABLE campaigns;
DROP INDEX members_birthday_idx;
ALTER TABLE members DROP COLUMN birthday;
DROP TABLE refunds;
DROP TABLE redemptions;
DROP TABLE points_expiry_notices;
DROP VIEW points_lots;
DROP INDEX points_ledger_transaction_idx;
DROP INDEX points_ledger_expiry_idx;
DROP INDEX points_ledger_lot_idx;
ALTER TABLE points_ledger DROP CONSTRAINT points_ledger_debit_has_lot;
ALTER TABLE points_ledger DROP COLUMN reference;
ALTER TABLE points_ledger DROP COLUMN expires_at;
ALTER TABLE points_ledger DROP COLUMN lot_id;
ALTER TABLE points_ledger DROP COLUMN at;
