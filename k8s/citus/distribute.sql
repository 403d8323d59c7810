-- Run once on the coordinator, after the service's migrations and schema-for-citus.sql, with the
-- workers added (SELECT citus_add_node('visage-citus-worker-0.visage-citus-worker', 5432); …).
-- Citus functions: this file does not run on plain PostgreSQL (README.md beside it).

-- Small, read everywhere: copied to every worker.
SELECT create_reference_table('malls');
SELECT create_reference_table('brands');
SELECT create_reference_table('stores');
SELECT create_reference_table('campaigns');
SELECT create_reference_table('partners');
SELECT create_reference_table('mall_floor_plans');
SELECT create_reference_table('applied_thresholds');

-- Member-owned: distributed by member id, every table of one member on one worker (colocated),
-- so a member's transaction (enroll, visit, purchase, purge) stays on one worker.
SELECT create_distributed_table('members', 'id');
SELECT create_distributed_table('face_templates', 'member_id', colocate_with => 'members');
SELECT create_distributed_table('visits', 'member_id', colocate_with => 'members');
SELECT create_distributed_table('purchases', 'member_id', colocate_with => 'members');
SELECT create_distributed_table('points_ledger', 'member_id', colocate_with => 'members');
SELECT create_distributed_table('member_mall_activity', 'member_id', colocate_with => 'members');
SELECT create_distributed_table('points_expiry_notices', 'member_id', colocate_with => 'members');
SELECT create_distributed_table('redemptions', 'member_id', colocate_with => 'members');
SELECT create_distributed_table('refunds', 'member_id', colocate_with => 'members');
SELECT create_distributed_table('coupons', 'member_id', colocate_with => 'members');
SELECT create_distributed_table('campaign_awards', 'member_id', colocate_with => 'members');
SELECT create_distributed_table('consent_records', 'member_id', colocate_with => 'members');
SELECT create_distributed_table('point_transfers', 'member_id', colocate_with => 'members');

-- Uniqueness across the group, each table by the value that must be unique.
SELECT create_distributed_table('member_phone_claims', 'phone');
SELECT create_distributed_table('purchase_claims', 'transaction_id');
SELECT create_distributed_table('redemption_claims', 'redemption_id');
SELECT create_distributed_table('refund_claims', 'refund_id');
SELECT create_distributed_table('transfer_claims', 'transfer_id');
-- Every sale, a member's or not, by its id (the stats read them by mall and time across shards).
SELECT create_distributed_table('sales', 'sale_id');
-- The dashboard's counters (joined, left, converted, faces tracked), by mall.
SELECT create_distributed_table('mall_counts', 'mall_id');
SELECT create_distributed_table('sales_hourly', 'mall_id');
SELECT create_distributed_table('footfall', 'mall_id');
-- A campaign's total limit: one row per campaign, by its id.
SELECT create_distributed_table('campaign_budgets', 'campaign_id');
SELECT create_distributed_table('member_external_ids', 'value');
SELECT create_distributed_table('recognitions', 'id');

-- Everything else stays on the coordinator as local tables in Citus's metadata: the template
-- change log (one order for every replica, by its advisory lock), the outbox and deliveries (one
-- sequence), keys, audit, cameras and their leases, liveness sessions, pending photo erasures.
SELECT citus_add_local_table_to_metadata('template_changes');
SELECT citus_add_local_table_to_metadata('outbox_events');
SELECT citus_add_local_table_to_metadata('webhook_deliveries');
SELECT citus_add_local_table_to_metadata('webhook_subscriptions');
SELECT citus_add_local_table_to_metadata('api_keys');
SELECT citus_add_local_table_to_metadata('audit_log');
SELECT citus_add_local_table_to_metadata('cameras');
SELECT citus_add_local_table_to_metadata('camera_leases');
SELECT citus_add_local_table_to_metadata('liveness_sessions');
SELECT citus_add_local_table_to_metadata('pending_blob_deletions');
SELECT citus_add_local_table_to_metadata('visage_instance');
SELECT citus_add_local_table_to_metadata('duplicate_suspects');
SELECT citus_add_local_table_to_metadata('duplicate_sweep');
