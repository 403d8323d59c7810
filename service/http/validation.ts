import type { z } from 'zod';
import { invalidRequest } from './httpErrors.js';

/** Parses request input with a zod schema; failures become VALIDATION_FAILED with the issues listed. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => ({ path: [where, ...issue.path.map(String)].join('.'), message: issue.message }));
    throw invalidRequest(`invalid ${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
  }
  return result.data;
}
