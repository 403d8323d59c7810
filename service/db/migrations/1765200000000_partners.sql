-- Up Migration
-- Partner programmes (a hotel group's, an airline's, a payment platform's): what their points are
-- worth against ours each way, the limits of one transfer, and which of our tiers their levels
-- start a new member at. Small and read everywhere.
CREATE TABLE partners (
  id              text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  name            text NOT NULL,
  -- Partner points given for one of ours sent out, and ours given for one of theirs received.
  points_out_rate numeric(12, 6) NOT NULL CHECK (points_out_rate > 0),
  points_in_rate  numeric(12, 6) NOT NULL CHECK (points_in_rate > 0),
  -- Limits of one transfer, in the points that leave their programme (ours out, theirs in).
  min_points      integer NOT NULL CHECK (min_points >= 1),
  max_points      integer NOT NULL CHECK (max_points >= min_points),
  -- Partner level → our tier (a floor on day one, like an operator-assigned tier).
  tier_map        jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Points moved to or from a partner, idempotent by the caller's transfer id; the ledger entry and
-- the `points.transferred` event are written in the same transaction.
CREATE TABLE point_transfers (
  transfer_id    text PRIMARY KEY,
  member_id      uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
  partner_id     text NOT NULL REFERENCES partners (id),
  direction      text NOT NULL CHECK (direction IN ('out', 'in')),
  -- What the request named (the points leaving their programme), and what the other side got.
  points         integer NOT NULL CHECK (points > 0),
  points_out     integer NOT NULL CHECK (points_out >= 0),
  points_in      integer NOT NULL CHECK (points_in >= 0),
  rate           numeric(12, 6) NOT NULL,
  request_hash   text NOT NULL,
  response       json,
  at             timestamptz NOT NULL
);
CREATE INDEX point_transfers_member_idx ON point_transfers (member_id, at DESC);

-- Down Migration
DROP TABLE point_transfers;
DROP TABLE partners;
