import { z } from 'zod';

/** The primitives request shapes share (schemas.ts and the subject files beside it). */

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const uuid = z.string().regex(UUID_PATTERN, 'a UUID');
export const transactionId = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, '1 to 128 letters, digits or . _ : -');
export const storeId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'a store id: 1 to 64 letters, digits, _ . or -, led by a letter or digit');

/** Money: non-negative, at most two decimals, below 10^12. */
export const money = z
  .number()
  .min(0)
  .max(999_999_999_999)
  .refine((value) => Math.abs(value * 100 - Math.round(value * 100)) < 1e-6, 'at most two decimals');
export const isoTime = z.iso.datetime({ offset: true });

export const purchaseItems = z.array(
  z.strictObject({
    sku: z.string().min(1).max(64),
    category: z.string().min(1).max(64),
    quantity: z.number().int().min(1).max(100_000),
    price: money,
  }),
);
