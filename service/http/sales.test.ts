import { beforeAll, describe, expect, it } from 'vitest';
import { expectError } from '../testSupport/apiClient.js';
import { isolatedVisagePerFile } from '../testSupport/testVisage.js';

/** Sales with and without members: one row per sale, whichever call came first; a purge leaves it anonymous. */
const file = isolatedVisagePerFile();
const { api } = file;
const consent = { faceRecognition: true, source: 'desk' };
const items = (price: number) => [{ sku: 's', category: 'c', quantity: 1, price }];

beforeAll(async () => {
  expect((await api.post('/v1/webhooks', { url: 'http://127.0.0.1:9/hooks', events: ['sale.recorded'] })).status).toBe(201);
});

const salesRows = async (saleId: string) => (await file.service.sql.query('SELECT sale_id, amount::float8 AS amount, member_id FROM sales WHERE sale_id = $1', [saleId])).rows;

describe('sales', () => {
  it("records a sale without a member once, replays it, and refuses the same id with another amount", async () => {
    const first = await api.post('/v1/sales', { saleId: 'S-1', amount: 88.5, currency: 'CNY' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ saleId: 'S-1', mallId: 'default', storeId: null, amount: 88.5, memberId: null });
    const again = await api.post('/v1/sales', { saleId: 'S-1', amount: 88.5, currency: 'CNY' });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expectError(await api.post('/v1/sales', { saleId: 'S-1', amount: 89, currency: 'CNY' }), 409, 'TRANSACTION_CONFLICT');
    expectError(await api.post('/v1/sales', { saleId: 'S-2', amount: 10, currency: 'USD' }), 400, 'VALIDATION_FAILED');
    expectError(await api.post('/v1/sales', { saleId: 'S-3', amount: 10, currency: 'CNY', at: new Date(Date.now() + 3_600_000).toISOString() }), 400, 'VALIDATION_FAILED');
    expectError(await api.post('/v1/sales', { saleId: 'S-4', amount: 10, currency: 'CNY', memberId: '6b0f0a34-9a5e-4c1e-8d1a-1c2b3d4e5f60' }), 404, 'MEMBER_NOT_FOUND');
    expect(await salesRows('S-1')).toHaveLength(1);
    expect(await salesRows('S-4')).toHaveLength(0);
    const { rows } = await file.service.sql.query("SELECT count(*)::int AS n FROM outbox_events WHERE type = 'sale.recorded' AND payload::jsonb->'data'->>'saleId' = 'S-1'");
    expect(rows[0].n).toBe(1);
  });

  it("counts a member's purchase as the same sale the till reported, whichever came first, never twice", async () => {
    const member = (await api.post('/v1/members', { name: 'Shopper', consent })).body.id;
    // The till's report first, then the member's purchase under the same id: one sale, with the member.
    expect((await api.post('/v1/sales', { saleId: 'T-100', amount: 50, currency: 'CNY' })).status).toBe(201);
    const purchase = await api.post(`/v1/members/${member}/purchases`, { transactionId: 'T-100', amount: 50, currency: 'CNY', items: items(50) });
    expect(purchase.status).toBe(201);
    expect(purchase.body.points).toBeGreaterThan(0);
    expect(await salesRows('T-100')).toEqual([{ sale_id: 'T-100', amount: 50, member_id: member }]);
    // The purchase first, then the till's report: the report finds the member's sale.
    expect((await api.post(`/v1/members/${member}/purchases`, { transactionId: 'T-101', amount: 20, currency: 'CNY', items: items(20) })).status).toBe(201);
    const reported = await api.post('/v1/sales', { saleId: 'T-101', amount: 20, currency: 'CNY' });
    expect(reported.status).toBe(200);
    expect(reported.body).toMatchObject({ saleId: 'T-101', memberId: member });
    expect(await salesRows('T-101')).toHaveLength(1);

    // A purge leaves the sales as anonymous ones: the totals stay, the member is gone from them.
    expect((await api.call('DELETE', `/v1/members/${member}`)).status).toBe(200);
    expect(await salesRows('T-100')).toEqual([{ sale_id: 'T-100', amount: 50, member_id: null }]);
    const { rows } = await file.service.sql.query('SELECT count(*)::int AS n FROM sales WHERE member_id = $1', [member]);
    expect(rows[0].n).toBe(0);
  });

  it("keeps the dashboard's hourly sums equal to the sales themselves through every kind of write", async () => {
    const shopper = (await api.post('/v1/members', { name: 'Summed', consent })).body.id;
    await api.post('/v1/sales', { saleId: 'H-1', amount: 12.5, currency: 'CNY' });
    await api.post('/v1/sales', { saleId: 'H-2', amount: 40, currency: 'CNY', memberId: shopper });
    await api.post('/v1/sales', { saleId: 'H-3', amount: 7, currency: 'CNY' });
    await api.post(`/v1/members/${shopper}/purchases`, { transactionId: 'H-3', amount: 7, currency: 'CNY', items: items(7) });
    await api.post(`/v1/members/${shopper}/purchases`, { transactionId: 'H-4', amount: 9, currency: 'CNY', items: items(9) });
    await api.post('/v1/sales', { saleId: 'H-1', amount: 12.5, currency: 'CNY' }); // a replay adds nothing
    const summed = () =>
      file.service.sql.query(
        `SELECT (SELECT json_agg(r ORDER BY r) FROM (
                   SELECT mall_id, date_trunc('hour', at) AS hour, coalesce(store_id, '') AS store_id, currency, count(*)::int AS sales, sum(amount)::float8 AS amount,
                          (count(*) FILTER (WHERE member_id IS NOT NULL))::int AS member_sales, coalesce(sum(amount) FILTER (WHERE member_id IS NOT NULL), 0)::float8 AS member_amount
                     FROM sales GROUP BY 1, 2, 3, 4) r)::text AS raw,
                (SELECT json_agg(r ORDER BY r) FROM (
                   SELECT mall_id, hour, store_id, currency, sales::int, amount::float8, member_sales::int, member_amount::float8 FROM sales_hourly WHERE sales > 0) r)::text AS rolled`,
      );
    const before = (await summed()).rows[0];
    expect(before.rolled).toBe(before.raw);
    expect((await api.call('DELETE', `/v1/members/${shopper}`)).status).toBe(200);
    const after = (await summed()).rows[0];
    expect(after.rolled).toBe(after.raw);
    expect(after.raw).not.toBe(before.raw); // the purge moved the shopper's sales to the anonymous side
  });
});
