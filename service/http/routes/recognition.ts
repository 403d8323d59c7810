import { Router } from 'express';
import { AppError } from '../../errors.js';
import { readImageUpload, rawImageParser } from '../imageUpload.js';
import { descriptorSchema, identifyQuerySchema, verifyQuerySchema } from '../schemas.js';
import type { AuditLog } from '../../domain/auditLog.js';
import type { IdentificationService, IdentifiedFace } from '../../domain/identificationService.js';
import type { Metrics } from '../../metrics.js';
import { allow } from '../auth.js';
import { audited, noteAudit } from '../audited.js';
import { parseInput } from '../validation.js';
import { memberIdParam } from './members.js';

/** How a face was answered, for the outcome counter. */
export function faceOutcome(face: { match: { via?: string } | null; unknownReason?: string }): string {
  if (face.match) return face.match.via === 'todays-visitors' ? 'via_todays_visitors' : 'member';
  return face.unknownReason ?? 'no_close_member';
}

/** The audit note of an identification: who was found, how close (never the descriptor). */
function identifyNote(found: IdentifiedFace[]) {
  const matches = found.filter((face) => face.match).map((face) => ({ memberId: face.match!.memberId, distance: face.match!.distance }));
  return { memberId: matches[0]?.memberId ?? null, details: { faces: found.length, matches } };
}

export function recognitionRoutes(faces: IdentificationService, audit: AuditLog, metrics: Metrics, maxUploadBytes: number): Router {
  const router = Router();
  const posOrOperator = allow('pos', 'operator');

  router.post('/identify', audited(audit, 'pos.identify'), posOrOperator, rawImageParser(maxUploadBytes), async (req, res) => {
    const query = parseInput(identifyQuerySchema, req.query, 'query');
    let found: IdentifiedFace[];
    if (req.is('application/json')) {
      const { descriptor } = parseInput(descriptorSchema, req.body, 'body');
      found = await faces.identifyDescriptor(descriptor, query);
    } else {
      const { image } = await readImageUpload(req, maxUploadBytes);
      found = await faces.identify(image, query);
    }
    noteAudit(res, identifyNote(found));
    for (const face of found) metrics.faceOutcomes.inc({ source: 'identify', outcome: faceOutcome(face) });
    res.json({ faces: found });
  });

  router.post('/verify', audited(audit, 'pos.verify'), posOrOperator, rawImageParser(maxUploadBytes), async (req, res) => {
    const query = parseInput(verifyQuerySchema, req.query, 'query');
    const { image, fields } = await readImageUpload(req, maxUploadBytes);
    const rawMemberId = query.memberId ?? fields.memberId;
    if (!rawMemberId) throw new AppError('VALIDATION_FAILED', 'memberId is required (query string or multipart field)');
    const memberId = memberIdParam(rawMemberId);
    noteAudit(res, { memberId });
    const verdict = await faces.verify(memberId, image, query);
    noteAudit(res, { details: { match: verdict.match, distance: verdict.distance } });
    res.json(verdict);
  });

  return router;
}
