import { z } from 'zod';
import { DESCRIPTOR_LENGTH } from '../../models/types.js';

/** Request shapes of the HTTP API; the OpenAPI document is generated from these too. */

const phone = z.string().regex(/^\+?[0-9]{6,15}$/, 'a phone number: 6 to 15 digits, optionally led by +');
const externalIds = z.record(z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'a lower-case provider name'), z.string().min(1).max(128));
const tag = z.string().min(1).max(64);

export const consentSchema = z.strictObject({
  faceRecognition: z.boolean(),
  source: z.string().min(1).max(200),
});

export const createMemberSchema = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  phone: phone.optional(),
  externalIds: externalIds.optional(),
  tier: z.string().min(1).max(32).optional(),
  tags: z.array(tag).max(50).optional(),
  consent: consentSchema.optional(),
});

export const updateMemberSchema = z
  .strictObject({
    name: z.string().min(1).max(200).nullable().optional(),
    phone: phone.nullable().optional(),
    externalIds: externalIds.optional(),
    tier: z.string().min(1).max(32).optional(),
    tags: z.array(tag).max(50).optional(),
    consent: consentSchema.optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'at least one field to change');

export const uuidSchema = z.uuid();

export const descriptorSchema = z.strictObject({
  descriptor: z.array(z.number()).length(DESCRIPTOR_LENGTH),
});

const queryNumber = <T extends z.ZodNumber>(schema: T) => z.coerce.number().pipe(schema).optional();

export const identifyQuerySchema = z.object({
  maxFaces: queryNumber(z.number().int().min(1).max(50)),
  threshold: queryNumber(z.number().gt(0).lt(2)),
});

export const verifyQuerySchema = z.object({
  memberId: z.string().optional(),
  threshold: queryNumber(z.number().gt(0).lt(2)),
});
