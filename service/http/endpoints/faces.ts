import { endpoint, noContent } from '../endpoint.js';
import { memberPath, facePath } from './pathParams.js';
import * as out from '../responses.js';
import { enrollQuerySchema } from '../schemas.js';

/** A member's face templates: enroll, list, read one, its photo, export, remove. */
export const faceEndpoints = [
  endpoint({
    method: 'post',
    path: '/v1/members/:id/faces',
    summary: 'Enroll a photo of the member (?dryRun=true: only the verdict, nothing written)',
    roles: ['operator'],
    ...memberPath,
    query: enrollQuerySchema,
    image: {},
    audit: 'face.enroll',
    responses: {
      201: { description: 'the new template', schema: out.enrolledFace },
      200: { description: 'the same photo again: the first enrollment, unchanged (idempotent-replayed: true); or the dry run verdict', schema: out.enrolledFace.or(out.enrollmentCheck) },
    },
    errors: ['MEMBER_NOT_FOUND', 'FACE_ALREADY_ENROLLED', 'CONSENT_REQUIRED', 'NO_FACE', 'MULTIPLE_FACES', 'LOW_QUALITY', 'SPOOF_SUSPECTED'],
    handle: async ({ params, query, upload, audit }, { faces }) => {
      if (query.dryRun === 'true') {
        audit({ details: { dryRun: true } });
        return { body: await faces.checkEnrollment(params.id, upload!.image) };
      }
      const { repeated, ...enrolled } = await faces.enrollFace(params.id, upload!.image);
      return { status: repeated ? 200 : 201, headers: { 'idempotent-replayed': String(repeated) }, body: enrolled };
    },
  }),
  endpoint({
    method: 'get',
    path: '/v1/members/:id/faces',
    summary: "The member's face templates: enrolled ones, and apart from them the adaptive ones learnt at tills",
    roles: ['operator'],
    ...memberPath,
    responses: { 200: { description: '{faces, adaptive}', schema: out.faceList } },
    errors: ['MEMBER_NOT_FOUND'],
    handle: async ({ params }, { records }) => {
      const all = await records.list(params.id);
      return { body: { faces: all.filter((f) => f.kind === 'enrolled'), adaptive: all.filter((f) => f.kind === 'adaptive') } };
    },
  }),
  // Descriptors are biometric templates: only an admin may take them out, and it is audited.
  endpoint({
    method: 'get',
    path: '/v1/members/:id/faces/descriptors',
    summary: "The member's templates with their descriptors (admin; audited)",
    roles: [],
    ...memberPath,
    audit: 'face.export',
    responses: { 200: { description: '{faces} with descriptors', schema: out.faceWithDescriptorList } },
    errors: ['MEMBER_NOT_FOUND'],
    handle: async ({ params }, { records }) => ({ body: { faces: await records.listWithDescriptors(params.id) } }),
  }),
  endpoint({
    method: 'get',
    path: '/v1/members/:id/faces/:faceId',
    summary: 'One face template of the member',
    roles: ['operator'],
    ...facePath,
    responses: { 200: { description: 'the template', schema: out.faceTemplate } },
    errors: ['MEMBER_NOT_FOUND', 'FACE_NOT_FOUND'],
    handle: async ({ params }, { records }) => ({ body: await records.get(params.id, params.faceId) }),
  }),
  endpoint({
    method: 'get',
    path: '/v1/members/:id/faces/:faceId/photo',
    summary: 'The enrollment photo of one face (metadata removed)',
    roles: ['operator'],
    ...facePath,
    responses: { 200: { description: 'image bytes', contentType: 'image/*' } },
    errors: ['MEMBER_NOT_FOUND', 'FACE_NOT_FOUND', 'PHOTO_NOT_STORED', 'DEPENDENCY_UNAVAILABLE'],
    handle: async ({ params, res }, { records }) => {
      const photo = await records.photo(params.id, params.faceId);
      res.type(photo.contentType).setHeader('cache-control', 'private, no-store').send(photo.bytes);
    },
  }),
  endpoint({
    method: 'delete',
    path: '/v1/members/:id/faces/:faceId',
    summary: 'Remove one template and its photo',
    roles: ['operator'],
    ...facePath,
    audit: 'face.delete',
    responses: { 204: { description: 'removed' } },
    errors: ['MEMBER_NOT_FOUND', 'FACE_NOT_FOUND'],
    handle: ({ params }, { faces }) => noContent(faces.deleteFace(params.id, params.faceId)),
  }),
];
