import { describe, expect, it } from 'vitest';
import { pointsFor, purchaseRequestHash } from './purchaseService.js';

describe('pointsFor', () => {
  it('gives whole points, rounded down, from the amount in cents (no float drift)', () => {
    expect(pointsFor(128.5, 1, 1)).toBe(128);
    expect(pointsFor(0.29, 100, 1)).toBe(29); // 0.29 * 100 is 28.999… in floating point
    expect(pointsFor(19.99, 1, 1.5)).toBe(29);
    expect(pointsFor(100, 1, 1.2)).toBe(120);
    expect(pointsFor(0, 1, 2)).toBe(0);
  });
});

describe('purchaseRequestHash', () => {
  it('keeps the digest purchases were stored with (replays of old purchases stay replays)', () => {
    const request = {
      transactionId: 'POS-7:2026-11-25/0042',
      amount: 128.5,
      currency: 'CNY',
      storeId: undefined,
      at: '2026-11-25T09:30:00+08:00',
      items: [
        { sku: 'TEA-01', category: 'tea "oolong", 500 g', quantity: 2, price: 39.9 },
        { sku: 'CUP-é', category: 'cups/日用', quantity: 1, price: 48.7 },
      ],
    };
    // Computed by the hand-written canonical JSON this replaced; purchase rows hold digests like it.
    const stored = 'f822a297ab33475c031b8abde0fa20781ca69e52ee2e912b9ffa127f0f7f987e';
    expect(purchaseRequestHash('0d0c4f58-8a0e-4a54-9a4e-2f4d1b2f2b11', request)).toBe(stored);
    const reordered = { items: request.items, at: request.at, currency: 'CNY', amount: 128.5, transactionId: request.transactionId };
    expect(purchaseRequestHash('0d0c4f58-8a0e-4a54-9a4e-2f4d1b2f2b11', reordered)).toBe(stored);
  });

  it('refuses text that is not valid Unicode instead of failing', () => {
    const request = { transactionId: 't-1', amount: 1, currency: 'CNY', items: [{ sku: '\ud800', category: 'x', quantity: 1, price: 1 }] };
    expect(() => purchaseRequestHash('m', request)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});
