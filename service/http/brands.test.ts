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
});
