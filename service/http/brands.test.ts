import { beforeAll, describe, expect, it } from 'vitest';
import { expectError } from '../testSupport/apiClient.js';
import { isolatedVisagePerFile } from '../testSupport/testVisage.js';

/** A group's brands: campaigns conditioned on a store's brand, and the member's figures per brand. */
const file = isolatedVisagePerFile();
const { api } = file;
const consent = { faceRecognition: true, source: 'desk' };

beforeAll(async () => {
  for (const store of [
    { id: 'stride-1', mallId: 'default', name: 'Stride Shoes', brand: 'Stride' },
    { id: 'stride-kids', mallId: 'default', name: 'Stride Kids', brand: 'Stride' },
    { id: 'bean-1', mallId: 'default', name: 'Bean Coffee', brand: 'Bean' },
  ]) {
    expect((await api.post('/v1/stores', store)).status).toBe(201);
  }
});

const buy = (memberId: string, transactionId: string, storeId: string, category: string, amount: number) =>
  api.post(`/v1/members/${memberId}/purchases`, { transactionId, amount, currency: 'CNY', storeId, items: [{ sku: 'x', category, quantity: 1, price: amount }] });

describe('brands', () => {
  it("gives a brand's campaign at any of its stores and nowhere else, and shows the member's spend and categories per brand", async () => {
    const campaign = await api.post('/v1/campaigns', { name: 'Stride week', trigger: 'purchase', conditions: { brands: ['Stride'] }, effect: { bonusPoints: 50 } });
    expect(campaign.status).toBe(201);
    expectError(await api.post('/v1/campaigns', { name: 'x', trigger: 'visit', conditions: { brands: ['Stride'] }, effect: { bonusPoints: 5 } }), 400, 'VALIDATION_FAILED');

    const member = (await api.post('/v1/members', { name: 'Brand Fan', consent })).body.id;
    const atStride = await buy(member, 'B-1', 'stride-1', 'shoes', 300);
    expect(atStride.body.campaigns).toEqual([expect.objectContaining({ name: 'Stride week', points: 50 })]);
    const atStrideKids = await buy(member, 'B-2', 'stride-kids', 'kids', 100);
    expect(atStrideKids.body.campaigns).toEqual([expect.objectContaining({ name: 'Stride week', points: 50 })]);
    const atBean = await buy(member, 'B-3', 'bean-1', 'coffee', 40);
    expect(atBean.body.campaigns ?? []).toEqual([]);

    const { profile } = (await api.call('GET', `/v1/members/${member}`)).body;
    expect(profile.brands).toEqual([
      {
        brand: 'Stride',
        spend: 400,
        purchases: 2,
        favouriteCategories: [
          { category: 'shoes', spend: 300, share: 0.75 },
          { category: 'kids', spend: 100, share: 0.25 },
        ],
      },
      { brand: 'Bean', spend: 40, purchases: 1, favouriteCategories: [{ category: 'coffee', spend: 40, share: 1 }] },
    ]);
    // One balance across the group's brands.
    expect((await api.call('GET', `/v1/members/${member}/points`)).body.balance).toBe(300 + 50 + 100 + 50 + 40);
  });

  it('keeps brands as records of a group: created with their stores, named and grouped by an admin, listed by group', async () => {
    const listed = (await api.get('/v1/brands')).body.brands;
    expect(listed).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'Stride', name: 'Stride', groupId: null }), expect.objectContaining({ id: 'Bean', groupId: null })]));
    expect((await api.post('/v1/brands', { id: 'Tread', name: 'Tread Running', groupId: 'fashion-group' })).body).toMatchObject({ id: 'Tread', groupId: 'fashion-group' });
    expectError(await api.post('/v1/brands', { id: 'Tread', name: 'Again' }), 409, 'BRAND_ALREADY_EXISTS');
    expectError(await api.post('/v1/brands', { id: 'Bad', name: 'Bad group', groupId: 'Fashion Group' }), 400, 'VALIDATION_FAILED');
    expectError(await api.call('PATCH', '/v1/brands/Nobody', { groupId: 'x' }), 404, 'BRAND_NOT_FOUND');
    const named = await api.call('PATCH', '/v1/brands/Stride', { name: 'Stride Shoes', groupId: 'fashion-group' });
    expect(named.body).toMatchObject({ id: 'Stride', name: 'Stride Shoes', groupId: 'fashion-group' });
    expect((await api.get('/v1/brands?groupId=fashion-group')).body.brands.map((b: { id: string }) => b.id)).toEqual(['Stride', 'Tread']);
    expect((await api.get('/v1/stores/stride-kids')).body).toMatchObject({ brand: 'Stride', brandGroup: 'fashion-group' });
    // An operator reads them, an operator does not write them.
    const operator = (await api.post('/v1/keys', { role: 'operator', name: 'brand reader' })).body.key;
    const asOperator = (method: string, url: string, body?: unknown) => api.call(method, url, body, { authorization: `Bearer ${operator}` });
    expect((await asOperator('GET', '/v1/brands')).status).toBe(200);
    expectError(await asOperator('POST', '/v1/brands', { id: 'Sneaky', name: 'Sneaky' }), 403, 'FORBIDDEN');
    // Ungrouped again with null.
    expect((await api.call('PATCH', '/v1/brands/Tread', { groupId: null })).body.groupId).toBeNull();
  });

  it("gives a group's campaign at every brand of the group, and shows the member's figures per group", async () => {
    await api.post('/v1/brands', { id: 'Loom', name: 'Loom Knitwear', groupId: 'textile-group' });
    await api.post('/v1/brands', { id: 'Weave', name: 'Weave Denim', groupId: 'textile-group' });
    for (const store of [
      { id: 'loom-1', mallId: 'default', name: 'Loom', brand: 'Loom' },
      { id: 'weave-1', mallId: 'default', name: 'Weave', brand: 'Weave' },
      { id: 'solo-1', mallId: 'default', name: 'Solo', brand: 'Solo' },
    ]) {
      expect((await api.post('/v1/stores', store)).status).toBe(201);
    }
    expect((await api.post('/v1/campaigns', { name: 'Textile fortnight', trigger: 'purchase', conditions: { brandGroups: ['textile-group'] }, effect: { bonusPoints: 30 } })).status).toBe(201);
    expectError(await api.post('/v1/campaigns', { name: 'x', trigger: 'visit', conditions: { brandGroups: ['textile-group'] }, effect: { bonusPoints: 5 } }), 400, 'VALIDATION_FAILED');
    const member = (await api.post('/v1/members', { name: 'Group Fan', consent })).body.id;
    expect((await buy(member, 'G-1', 'loom-1', 'knitwear', 120)).body.campaigns).toEqual([expect.objectContaining({ name: 'Textile fortnight', points: 30 })]);
    expect((await buy(member, 'G-2', 'weave-1', 'denim', 80)).body.campaigns).toEqual([expect.objectContaining({ name: 'Textile fortnight', points: 30 })]);
    expect((await buy(member, 'G-3', 'solo-1', 'hats', 10)).body.campaigns ?? []).toEqual([]);
    const { profile } = (await api.call('GET', `/v1/members/${member}`)).body;
    expect(profile.brandGroups).toEqual([
      { group: 'textile-group', spend: 200, purchases: 2, favouriteCategories: [{ category: 'knitwear', spend: 120, share: 0.6 }, { category: 'denim', spend: 80, share: 0.4 }] },
    ]);
    expect(profile.brands.map((b: { brand: string }) => b.brand)).toEqual(['Loom', 'Weave', 'Solo']);
  });
});
