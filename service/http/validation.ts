import type { z } from 'zod';
import { AppError } from '../errors.js';

/** Parses request input with a zod schema; failures become VALIDATION_FAILED with the issues listed. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => ({ path: [where, ...issue.path.map(String)].join('.'), message: issue.message }));
    throw new AppError('VALIDATION_FAILED', `invalid ${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
  }
  return result.data;
}
