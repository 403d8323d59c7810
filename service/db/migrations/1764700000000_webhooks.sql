-- Up Migration

-- Mall systems (CRM, marketing, staff apps) subscribed to Visage's events. The secret signs every
-- delivery (Standard Webhooks); it is answered once, when the subscription is created.
CREATE TABLE webhook_subscriptions (
  id uuid PRIMARY KEY,
  url text NOT NULL,
  events text[] NOT NULL,
  description text,
  secret text NOT NULL,
  -- After a rotation the old secret signs too (a second signature) until this time, so receivers
  -- can switch at their pace.
  previous_secret text,
  previous_secret_until timestamptz,
  paused boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- The transactional outbox: an event is written in the transaction of the change it reports, so it
-- exists exactly when the change does. `payload` is the JSON body receivers get — ids, amounts,
-- tiers; never a descriptor, a photo or a request body — kept as json, not jsonb, so that it goes out
-- with its fields in the order written. `member_id` is the member it is about, so that a purge can
-- remove every event of theirs (member.purged itself has none).
CREATE TABLE outbox_events (
  id uuid PRIMARY KEY,
  -- Delivery order: a member's events are written under the member's row lock, one after another.
  seq bigserial NOT NULL UNIQUE,
  type text NOT NULL,
  member_id uuid,
  payload json NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX outbox_events_member ON outbox_events (member_id) WHERE member_id IS NOT NULL;
CREATE INDEX outbox_events_created ON outbox_events (created_at);

-- One row per event and subscription that wants it, written with the event (the fan-out is part of
-- the same transaction). `pending` rows go out in event order per subscription; after the retry
-- window a row is `failed` until an operator re-sends it; `delivered` and `failed` rows are
-- compacted after the retention period.
CREATE TABLE webhook_deliveries (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  subscription_id uuid NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
  event_id uuid NOT NULL REFERENCES outbox_events (id) ON DELETE CASCADE,
  event_seq bigint NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- Retries stop this long after it (24 h); an operator's re-send starts a new window.
  window_started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  last_attempt_at timestamptz,
  last_status_code integer,
  last_error text,
  delivered_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
-- The head of each subscription's queue: its pending row with the lowest event_seq.
CREATE INDEX webhook_deliveries_queue ON webhook_deliveries (subscription_id, event_seq) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_recent ON webhook_deliveries (subscription_id, created_at DESC, id DESC);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (coalesce(delivered_at, last_attempt_at)) WHERE status <> 'pending';

-- Delivery workers on every replica wake at once when a delivery is queued, instead of at their next poll.
-- (Only when rows were queued: most events of a deployment without subscriptions queue none.)
CREATE FUNCTION notify_webhook_delivery() RETURNS trigger AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM queued) THEN
    PERFORM pg_notify('visage_webhook_deliveries', '');
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER webhook_deliveries_queued AFTER INSERT ON webhook_deliveries
  REFERENCING NEW TABLE AS queued FOR EACH STATEMENT EXECUTE FUNCTION notify_webhook_delivery();

-- Down Migration

DROP TRIGGER webhook_deliveries_queued ON webhook_deliveries;
DROP FUNCTION notify_webhook_delivery();
DROP TABLE webhook_deliveries;
DROP TABLE outbox_events;
DROP TABLE webhook_subscriptions;
