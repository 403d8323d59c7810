import { Router } from 'express';
import type { FaceRecords } from '../../domain/faceRecords.js';
import type { FaceService } from '../../domain/faceService.js';
import type { MemberService } from '../../domain/memberService.js';
import { AppError } from '../../errors.js';
import { readImageUpload, rawImageParser } from '../imageUpload.js';
import { convertSchema, createMemberSchema, enrollQuerySchema, memberLookupSchema, updateMemberSchema, UUID_PATTERN, uuidSchema } from '../schemas.js';
import { decodeCursor } from '../../repositories/pageCursor.js';
import type { AuditLog } from '../../domain/auditLog.js';
import { allow } from '../auth.js';
import { audited, noteAudit } from '../audited.js';
import { parseInput } from '../validation.js';

/** A malformed id names nothing: answered like an unknown one. */
function idParam(value: unknown, code: 'MEMBER_NOT_FOUND' | 'FACE_NOT_FOUND', message: string): string {
  const parsed = uuidSchema.safeParse(value);
  if (!parsed.success) throw new AppError(code, message);
  return parsed.data;
}

export const memberIdParam = (value: unknown): string => idParam(value, 'MEMBER_NOT_FOUND', 'no such member');
const faceIdParam = (value: unknown): string => idParam(value, 'FACE_NOT_FOUND', 'no such face');

export function memberRoutes(members: MemberService, faces: FaceService, records: FaceRecords, audit: AuditLog, maxUploadBytes: number): Router {
  const router = Router();
  const operator = allow('operator');

  router.post('/', audited(audit, 'member.create'), operator, async (req, res) => {
    const input = parseInput(createMemberSchema, req.body, 'body');
    res.status(201).json(await members.create(input));
  });

  router.get('/', operator, async (req, res) => {
    const query = parseInput(memberLookupSchema, req.query, 'query');
    if ('list' in query && query.list) {
      const after = query.list.cursor === undefined ? undefined : decodeCursor(query.list.cursor, UUID_PATTERN);
      res.json(await members.list(query.list.limit, after));
      return;
    }
    res.json({ members: await members.find(query) });
  });

  router.post('/:id/convert', audited(audit, 'member.convert'), operator, async (req, res) => {
    const id = memberIdParam(req.params.id);
    res.json(await members.convert(id, parseInput(convertSchema, req.body, 'body')));
  });

  router.get('/:id', allow('operator', 'pos'), async (req, res) => {
    res.json(await members.get(memberIdParam(req.params.id)));
  });

  router.patch('/:id', audited(audit, 'member.update'), operator, async (req, res) => {
    const id = memberIdParam(req.params.id);
    res.json(await members.update(id, parseInput(updateMemberSchema, req.body, 'body')));
  });

  router.delete('/:id', audited(audit, 'member.purge'), operator, async (req, res) => {
    res.json({ purged: await members.purge(memberIdParam(req.params.id)) });
  });

  router.post('/:id/faces', audited(audit, 'face.enroll'), operator, rawImageParser(maxUploadBytes), async (req, res) => {
    const id = memberIdParam(req.params.id);
    const { dryRun } = parseInput(enrollQuerySchema, req.query, 'query');
    const { image } = await readImageUpload(req, maxUploadBytes);
    if (dryRun === 'true') {
      noteAudit(res, { details: { dryRun: true } });
      res.json(await faces.checkEnrollment(id, image));
      return;
    }
    const { repeated, ...enrolled } = await faces.enrollFace(id, image);
    // The same photo again for this member: the first enrollment, unchanged (a safe retry).
    res.status(repeated ? 200 : 201).setHeader('idempotent-replayed', String(repeated)).json(enrolled);
  });

  router.get('/:id/faces', operator, async (req, res) => {
    res.json({ faces: await records.list(memberIdParam(req.params.id)) });
  });

  // Descriptors are biometric templates: only an admin may take them out, and it is audited.
  router.get('/:id/faces/descriptors', audited(audit, 'face.export'), allow('admin'), async (req, res) => {
    res.json({ faces: await records.listWithDescriptors(memberIdParam(req.params.id)) });
  });

  router.get('/:id/faces/:faceId/photo', operator, async (req, res) => {
    const photo = await records.photo(memberIdParam(req.params.id), faceIdParam(req.params.faceId));
    res.type(photo.contentType).setHeader('cache-control', 'private, no-store').send(photo.bytes);
  });

  router.delete('/:id/faces/:faceId', audited(audit, 'face.delete'), operator, async (req, res) => {
    await faces.deleteFace(memberIdParam(req.params.id), faceIdParam(req.params.faceId));
    res.status(204).end();
  });

  return router;
}
