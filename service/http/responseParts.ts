import { z } from 'zod';

/** Shared pieces of the answer shapes (responses.ts and the subject files beside it). */
export const time = z.string().meta({ format: 'date-time' });
export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
export const modelRef = z.object({ name: z.string(), version: z.string() });
