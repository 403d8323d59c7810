-- Up Migration
-- Every sale a till makes, a member's or not (POST /v1/sales), so that the members' share of sales
-- is a number and not a guess. A member's purchase is a sale too, under its transaction id: one
-- row whichever of the two calls came first, never two. No foreign key to members (a sale outlives
-- the member's purge, as an anonymous one: the purge clears member_id).
CREATE TABLE sales (
  sale_id    text PRIMARY KEY,
  mall_id    text NOT NULL REFERENCES malls (id),
  store_id   text,
  amount     numeric(14, 2) NOT NULL CHECK (amount >= 0),
  currency   text NOT NULL,
  at         timestamptz NOT NULL,
  member_id  uuid,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sales_mall_at_idx ON sales (mall_id, at);
CREATE INDEX sales_member_idx ON sales (member_id) WHERE member_id IS NOT NULL;
-- The purchases recorded before this table are sales too.
INSERT INTO sales (sale_id, mall_id, store_id, amount, currency, at, member_id)
SELECT transaction_id, mall_id, store_id, amount, currency, at, member_id FROM purchases;

-- Down Migration
DROP TABLE sales;
