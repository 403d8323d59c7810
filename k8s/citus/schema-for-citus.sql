-- The schema changes Citus needs, on top of the service's migrations. Plain SQL, run on the
-- coordinator before distribute.sql; k8s/citus/citus.test.ts runs this file on plain PostgreSQL
-- and checks what Citus would refuse (README.md beside this file says why each change).

-- Citus requires every primary key and unique constraint of a distributed table to contain its
-- distribution column. Member-owned tables are distributed by member id; their keys gain it.
ALTER TABLE face_templates DROP CONSTRAINT face_templates_pkey CASCADE;
ALTER TABLE face_templates ADD PRIMARY KEY (member_id, id);
-- The label stays unique by its identity sequence (held by the coordinator), not by a constraint.
ALTER TABLE face_templates DROP CONSTRAINT face_templates_label_key;

ALTER TABLE visits DROP CONSTRAINT visits_pkey;
ALTER TABLE visits ADD PRIMARY KEY (member_id, id);

ALTER TABLE points_ledger DROP CONSTRAINT points_ledger_pkey;
ALTER TABLE points_ledger ADD PRIMARY KEY (member_id, id);

-- A transaction id is unique across the group: its claim lives in a table of its own,
-- distributed by the transaction id, written in the purchase's transaction.
CREATE TABLE purchase_claims (
  transaction_id text PRIMARY KEY,
  member_id      uuid NOT NULL
);
INSERT INTO purchase_claims SELECT transaction_id, member_id FROM purchases;
ALTER TABLE purchases DROP CONSTRAINT purchases_pkey;
ALTER TABLE purchases ADD PRIMARY KEY (member_id, transaction_id);

-- Redemption and refund ids are unique across the group like transaction ids: claims of their own.
CREATE TABLE redemption_claims (
  redemption_id text PRIMARY KEY,
  member_id     uuid NOT NULL
);
INSERT INTO redemption_claims SELECT redemption_id, member_id FROM redemptions;
ALTER TABLE redemptions DROP CONSTRAINT redemptions_pkey;
ALTER TABLE redemptions ADD PRIMARY KEY (member_id, redemption_id);
CREATE TABLE refund_claims (
  refund_id text PRIMARY KEY,
  member_id uuid NOT NULL
);
INSERT INTO refund_claims SELECT refund_id, member_id FROM refunds;
ALTER TABLE refunds DROP CONSTRAINT refunds_pkey;
ALTER TABLE refunds ADD PRIMARY KEY (member_id, refund_id);
-- Partner transfer ids too.
CREATE TABLE transfer_claims (
  transfer_id text PRIMARY KEY,
  member_id   uuid NOT NULL
);
INSERT INTO transfer_claims SELECT transfer_id, member_id FROM point_transfers;
ALTER TABLE point_transfers DROP CONSTRAINT point_transfers_pkey;
ALTER TABLE point_transfers ADD PRIMARY KEY (member_id, transfer_id);

-- Coupons are the member's: their key gains the member id (a coupon id is a random UUID).
ALTER TABLE coupons DROP CONSTRAINT coupons_pkey;
ALTER TABLE coupons ADD PRIMARY KEY (member_id, id);

-- A phone belongs to one member across the group: its claim is distributed by the phone.
CREATE TABLE member_phone_claims (
  phone     text PRIMARY KEY,
  member_id uuid NOT NULL
);
INSERT INTO member_phone_claims SELECT phone, id FROM members WHERE phone IS NOT NULL;
DROP INDEX members_phone_key;

-- External ids are looked up by value and unique per kind: distributed by value. "One id of a
-- kind per member" is kept by the service (it replaces a member's ids under the member's row lock).
ALTER TABLE member_external_ids DROP CONSTRAINT member_external_ids_member_id_kind_key;
ALTER TABLE member_external_ids DROP CONSTRAINT member_external_ids_member_id_fkey;

-- Recognitions are distributed by their own id (a till names them by it); a purge deletes a
-- member's recognitions by member id instead of through a foreign key across shards.
ALTER TABLE recognitions DROP CONSTRAINT recognitions_member_id_fkey;
