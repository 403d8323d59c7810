import { z } from 'zod';
import { ERROR_STATUS } from '../errors.js';
import { convertSchema, createKeySchema, createMemberSchema, descriptorSchema, purchaseSchema, updateMemberSchema } from './schemas.js';

const json = (schema: unknown) => ({ 'application/json': { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const imageBody = {
  required: true,
  content: {
    'image/jpeg': { schema: { type: 'string', format: 'binary' } },
    'image/png': { schema: { type: 'string', format: 'binary' } },
    'image/webp': { schema: { type: 'string', format: 'binary' } },
    'multipart/form-data': {
      schema: { type: 'object', required: ['image'], properties: { image: { type: 'string', format: 'binary' }, memberId: { type: 'string' } } },
    },
  },
};
const ok = (description: string) => ({ description, content: json({ type: 'object' }) });
const errors = (...codes: (keyof typeof ERROR_STATUS)[]) =>
  Object.fromEntries(
    codes.map((code) => [String(ERROR_STATUS[code]), { description: codes.filter((c) => ERROR_STATUS[c] === ERROR_STATUS[code]).join(', '), content: json(ref('Error')) }]),
  );
const memberId = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const faceId = { name: 'faceId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const page = [
  { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
  { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'nextCursor of the previous page' },
];
const threshold = {
  name: 'threshold',
  in: 'query',
  schema: { type: 'number' },
  description: "a stricter cut-off than the configured one, in the running face model's scale (GET /v1/me): a higher cosine similarity, or a lower Euclidean distance under faceapi",
};

/** The API description served at /openapi.json; request bodies come from the zod schemas. */
export function openApiDocument(version: string) {
  return {
    openapi: '3.1.0',
    info: { title: 'Visage', version, description: 'Face-recognition membership: enroll, identify, verify and purge faces.' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error', 'requestId'],
          properties: {
            error: { type: 'object', required: ['code', 'message'], properties: { code: { enum: Object.keys(ERROR_STATUS) }, message: { type: 'string' } } },
            requestId: { type: 'string' },
          },
        },
        CreateMember: z.toJSONSchema(createMemberSchema),
        UpdateMember: z.toJSONSchema(updateMemberSchema),
        Descriptor: z.toJSONSchema(descriptorSchema),
        Purchase: z.toJSONSchema(purchaseSchema),
        CreateKey: z.toJSONSchema(createKeySchema),
        Convert: z.toJSONSchema(convertSchema, { unrepresentable: 'any' }),
      },
    },
    security: [{ bearer: [] }],
    paths: {
      '/v1/members': {
        get: {
          summary: 'Find members by phone, by an external id (?alipay=…, ?wechat=…, ?app=…) or by the start of the name',
          parameters: ['phone', 'name', 'alipay', 'wechat', 'app'].map((name) => ({ name, in: 'query', schema: { type: 'string' } })),
          responses: { 200: ok('{members}'), ...errors('VALIDATION_FAILED') },
        },
        post: { summary: 'Create a member', requestBody: { required: true, content: json(ref('CreateMember')) }, responses: { 201: ok('the member'), ...errors('VALIDATION_FAILED', 'PHONE_ALREADY_REGISTERED') } },
      },
      '/v1/members/{id}': {
        parameters: [memberId],
        get: { summary: 'A member with profile', responses: { 200: ok('the member'), ...errors('MEMBER_NOT_FOUND') } },
        patch: { summary: 'Update profile fields', requestBody: { required: true, content: json(ref('UpdateMember')) }, responses: { 200: ok('the member'), ...errors('VALIDATION_FAILED', 'MEMBER_NOT_FOUND') } },
        delete: { summary: 'Purge everything of the member', responses: { 200: ok('{purged: {faces, images, events}}'), ...errors('MEMBER_NOT_FOUND', 'DEPENDENCY_UNAVAILABLE') } },
      },
      '/v1/members/{id}/convert': {
        parameters: [memberId],
        post: {
          summary: 'Make an anonymous visitor a full member (keeps its faces, visits and points)',
          requestBody: { required: true, content: json(ref('Convert')) },
          responses: { 200: ok('the member'), ...errors('VALIDATION_FAILED', 'MEMBER_NOT_FOUND', 'NOT_A_VISITOR', 'PHONE_ALREADY_REGISTERED') },
        },
      },
      '/v1/members/{id}/purchases': {
        parameters: [memberId],
        post: {
          summary: 'Record a purchase and accrue points; idempotent by transactionId',
          requestBody: { required: true, content: json(ref('Purchase')) },
          responses: {
            201: ok('{transactionId, points, tier, pointsBalance, …}'),
            200: ok('the first answer again, for a repeated request (header idempotent-replayed: true)'),
            ...errors('VALIDATION_FAILED', 'MEMBER_NOT_FOUND', 'TRANSACTION_CONFLICT'),
          },
        },
        get: { summary: 'Purchases, newest first', parameters: page, responses: { 200: ok('{items, nextCursor}'), ...errors('VALIDATION_FAILED', 'MEMBER_NOT_FOUND') } },
      },
      '/v1/members/{id}/visits': {
        parameters: [memberId],
        get: { summary: 'Visits, newest first', parameters: page, responses: { 200: ok('{items, nextCursor}'), ...errors('VALIDATION_FAILED', 'MEMBER_NOT_FOUND') } },
      },
      '/v1/cameras/{cameraId}/frames': {
        parameters: [{ name: 'cameraId', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' } }],
        post: {
          summary: 'Identify every face of an entrance-camera frame, record visits, apply the visitor policy',
          parameters: [{ name: 'capturedAt', in: 'query', schema: { type: 'string', format: 'date-time' } }],
          requestBody: imageBody,
          responses: { 200: ok('{cameraId, capturedAt, faces: [{box, quality, skipped, match, member?, profile?, visit?}], skipped}'), ...errors('VALIDATION_FAILED', 'INVALID_IMAGE', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'NOT_READY') },
        },
      },
      '/v1/members/{id}/faces': {
        parameters: [memberId],
        post: {
          summary: 'Enroll a photo of the member (?dryRun=true: only the verdict, nothing written)',
          requestBody: imageBody,
          responses: { 201: ok('{faceId, box, quality}'), ...errors('INVALID_IMAGE', 'MEMBER_NOT_FOUND', 'FACE_ALREADY_ENROLLED', 'CONSENT_REQUIRED', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'NO_FACE', 'MULTIPLE_FACES', 'LOW_QUALITY', 'NOT_READY') },
        },
        get: { summary: "The member's face templates", responses: { 200: ok('{faces}'), ...errors('MEMBER_NOT_FOUND') } },
      },
      '/v1/members/{id}/faces/{faceId}': {
        parameters: [memberId, faceId],
        delete: { summary: 'Remove one template and its photo', responses: { 204: { description: 'removed' }, ...errors('MEMBER_NOT_FOUND', 'FACE_NOT_FOUND') } },
      },
      '/v1/identify': {
        post: {
          summary: "Who is in this photo? Largest face first; match is null for unknown faces. Or a JSON descriptor of the running model's length (GET /v1/me: faceModel.dimension)",
          parameters: [{ name: 'maxFaces', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 50 } }, threshold],
          requestBody: { ...imageBody, content: { ...imageBody.content, ...json(ref('Descriptor')) } },
          responses: { 200: ok('{faces: [{box, quality, match: {memberId, faceId, similarity, distance, via?} | null, unknownReason?, member?, profile?}]}'), ...errors('VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'NOT_READY') },
        },
      },
      '/v1/verify': {
        post: {
          summary: 'Is this photo the given member? (1:1)',
          parameters: [{ name: 'memberId', in: 'query', schema: { type: 'string', format: 'uuid' } }, threshold],
          requestBody: imageBody,
          responses: { 200: ok('{match, similarity, distance, threshold}'), ...errors('VALIDATION_FAILED', 'MEMBER_NOT_FOUND', 'NO_FACE', 'LOW_QUALITY', 'NOT_READY') },
        },
      },
      '/v1/keys': {
        post: {
          summary: 'Create an API key (admin); the key is in this answer only',
          requestBody: { required: true, content: json(ref('CreateKey')) },
          responses: { 201: ok('{id, key, role, name, expiresAt}'), ...errors('VALIDATION_FAILED', 'FORBIDDEN') },
        },
        get: { summary: 'List API keys (admin); never the keys themselves', responses: { 200: ok('{keys}'), ...errors('FORBIDDEN') } },
      },
      '/v1/keys/{keyId}': {
        parameters: [{ name: 'keyId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
        delete: { summary: 'Revoke an API key (admin)', responses: { 204: { description: 'revoked' }, ...errors('KEY_NOT_FOUND', 'FORBIDDEN') } },
      },
      '/v1/audit': {
        get: {
          summary: 'The audit log (admin), newest first',
          parameters: [
            { name: 'memberId', in: 'query', schema: { type: 'string', format: 'uuid' } },
            { name: 'from', in: 'query', schema: { type: 'string', format: 'date-time' } },
            { name: 'to', in: 'query', schema: { type: 'string', format: 'date-time' } },
            { name: 'action', in: 'query', schema: { type: 'string' } },
            ...page,
          ],
          responses: { 200: ok('{items, nextCursor}'), ...errors('VALIDATION_FAILED', 'FORBIDDEN') },
        },
      },
      '/v1/admin/reindex': {
        post: {
          summary: 'Recompute templates of another descriptor model from their stored photos (admin); call again with ?after=<next> until next is null',
          parameters: [
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 10000, default: 200 } },
            { name: 'after', in: 'query', schema: { type: 'integer' }, description: 'next of the previous run' },
          ],
          responses: { 200: ok('{model, reindexed, withoutPhoto, failed, remaining, next}'), ...errors('VALIDATION_FAILED', 'FORBIDDEN', 'NOT_READY', 'DEPENDENCY_UNAVAILABLE') },
        },
      },
      '/v1/admin/reindex/prune': {
        post: { summary: 'Delete old-model templates that have a recomputed successor (admin), once every replica runs the new model', responses: { 200: ok('{pruned}'), ...errors('FORBIDDEN', 'NOT_READY') } },
      },
      '/v1/me': { get: { summary: 'The calling key (id, name, role), the running face model and its thresholds in force', responses: { 200: ok('{keyId, name, role, faceModel: {key, name, version, dimension, metric}, thresholds}') } } },
      '/v1/events/visits': {
        get: { summary: 'Camera visits as they happen (server-sent events; this replica\'s frames)', responses: { 200: { description: 'text/event-stream of `visit` events' }, ...errors('FORBIDDEN') } },
      },
      '/v1/members/{id}/faces/{faceId}/photo': {
        parameters: [memberId, faceId],
        get: { summary: 'The enrollment photo of one face (metadata removed)', responses: { 200: { description: 'image bytes' }, ...errors('MEMBER_NOT_FOUND', 'FACE_NOT_FOUND', 'PHOTO_NOT_STORED') } },
      },
      '/v1/members/{id}/faces/descriptors': {
        parameters: [memberId],
        get: { summary: "The member's templates with their descriptors (admin; audited)", responses: { 200: ok('{faces}'), ...errors('MEMBER_NOT_FOUND', 'FORBIDDEN') } },
      },
      '/healthz': { get: { summary: 'Liveness', security: [], responses: { 200: ok('alive') } } },
      '/readyz': { get: { summary: 'Readiness: models warm, index loaded, database answering', security: [], responses: { 200: ok('ready'), ...errors('NOT_READY') } } },
      '/metrics': { get: { summary: 'Prometheus metrics', security: [], responses: { 200: { description: 'text exposition format' } } } },
      '/openapi.json': { get: { summary: 'This document', security: [], responses: { 200: ok('OpenAPI 3.1') } } },
    },
  };
}
