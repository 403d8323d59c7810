import { z } from 'zod';
import type { IdentifiedFace } from '../../domain/recognition/identificationService.js';
import type { LivenessVerdict } from '../../domain/liveness/livenessPolicy.js';
import type { Metrics } from '../../metrics.js';
import { memberNotFound, recognitionNotFound } from '../../domain/errors.js';
import { endpoint } from '../endpoint.js';
import { invalidRequest } from '../httpErrors.js';
import * as out from '../responses.js';
import { descriptorSchema, identifyQuerySchema, memberParams, secondFactorSchema, verifyQuerySchema } from '../schemas.js';
import type { Principal } from '../../domain/access/apiKeys.js';
import { DEFAULT_MALL } from '../../domain/recognition/mallPartitions.js';
import type { TillContext } from '../../domain/recognition/recognitions.js';


/**
 * Where an identification happens: the key's mall (the default mall for an unbound key); a till
 * (a pos key) has its faces named by single-use recognitions.
 */
function placeOf(principal: Principal | undefined): { mallId: string; till?: TillContext } {
  const mallId = principal?.mallId ?? DEFAULT_MALL;
  if (!principal || principal.role !== 'pos') return { mallId };
  return { mallId, till: { keyId: principal.keyId, mallId, storeId: principal.storeId } };
}

/** The audit note of an identification: who was found, how close, liveness refusals (never the descriptor or the photo). */
function identifyNote(found: IdentifiedFace[], liveness: string) {
  const matches = found.flatMap((face) => (face.match ? [{ memberId: face.match.memberId, distance: face.match.distance }] : []));
  const spoofSuspected = found.filter((face) => face.unknownReason === 'spoof_suspected').length;
  return { memberId: matches[0]?.memberId ?? null, details: { faces: found.length, matches, liveness, spoofSuspected } };
}

/** Liveness verdicts by outcome, for the metric. */
function countLiveness(metrics: Metrics, source: string, verdicts: (LivenessVerdict | undefined)[]): void {
  for (const verdict of verdicts) if (verdict) metrics.livenessOutcomes.inc({ source, outcome: verdict.live ? 'live' : (verdict.reasons?.[0] ?? 'refused') });
}

/** 1:N identification (the till: who is paying?) and 1:1 verification. */
export const recognitionEndpoints = [
  endpoint({
    method: 'post',
    path: '/v1/identify',
    summary:
      "Who is in this photo? Largest face first; match is null for unknown faces. Or a JSON descriptor of the running model's length (GET /v1/me: faceModel.dimension)",
    roles: ['pos', 'operator'],
    query: identifyQuerySchema,
    image: {},
    json: descriptorSchema.optional(),
    audit: 'pos.identify',
    responses: { 200: { description: 'the faces, largest first', schema: out.identifyResult } },
    errors: ['NO_FACE', 'LIVENESS_SESSION_NOT_FOUND', 'LIVENESS_SESSION_EXPIRED', 'LIVENESS_SESSION_USED', 'LIVENESS_NOT_PASSED', 'LIVENESS_FACE_MISMATCH'],
    handle: async ({ query, body, upload, audit, principal }, { identification, liveness, metrics }) => {
      const { livenessSession, ...given } = query;
      const options = { ...given, ...placeOf(principal) };
      const mode = livenessSession ? 'session' : liveness.modeFor(principal?.role, query.liveness);
      const required = mode === 'required';
      let found: IdentifiedFace[];
      if (livenessSession) {
        if (!upload) throw invalidRequest('a livenessSession binds a photo: send the photo, not a descriptor');
        found = await identification.identifyWithSession(upload.image, livenessSession, options);
      } else {
        found = upload ? await identification.identify(upload.image, { ...options, liveness: required }) : await identification.identifyDescriptor(body!.descriptor, { ...options, liveness: required });
      }
      audit(identifyNote(found, mode));
      if (required) countLiveness(metrics, 'identify', found.map((face) => face.liveness));
      return { body: { faces: found } };
    },
  }),
  endpoint({
    method: 'post',
    path: '/v1/identify/second-factor',
    summary:
      "A second factor for a face the till's identify could not search for (unknownReason needs_second_factor): the last four phone digits (or the whole number, a 1:1 check) and the face's recognitionId; answered like identify",
    roles: ['pos'],
    json: secondFactorSchema,
    audit: 'pos.second-factor',
    responses: { 200: { description: 'the face, with its member when the digits and the face agree', schema: out.secondFactorResult } },
    errors: ['RECOGNITION_NOT_FOUND', 'RECOGNITION_EXPIRED', 'RECOGNITION_USED', 'SECOND_FACTOR_LOCKED'],
    handle: async ({ body, audit, principal }, { identification }) => {
      const { till } = placeOf(principal);
      // Only a till's own recognitions: any other caller has none.
      if (!till) throw recognitionNotFound();
      const { recognitionId, ...factor } = body;
      const answer = await identification.secondFactor(till, recognitionId, factor);
      const [face] = answer.faces;
      audit({ memberId: face?.match?.memberId ?? null, details: { recognitionId, factor: 'phone' in factor ? 'phone' : 'phoneLast4', matched: Boolean(face?.match), triesLeft: answer.triesLeft } });
      return { body: answer };
    },
  }),
  endpoint({
    method: 'post',
    path: '/v1/verify',
    summary: 'Is this photo the given member? (1:1; memberId in the query or as a multipart field)',
    roles: ['pos', 'operator'],
    query: verifyQuerySchema,
    image: { fields: z.object({ memberId: z.string().optional() }) },
    audit: 'pos.verify',
    responses: { 200: { description: 'the verdict', schema: out.verifyResult } },
    errors: ['MEMBER_NOT_FOUND', 'FACE_NOT_FOUND', 'NO_FACE', 'LOW_QUALITY'],
    handle: async ({ query, upload, audit, principal }, { identification, liveness, metrics }) => {
      const given = query.memberId ?? upload!.fields.memberId;
      if (!given) throw invalidRequest('memberId is required (query string or multipart field)');
      // A malformed id names nothing: answered like an unknown one.
      const parsed = memberParams.shape.id.safeParse(given);
      if (!parsed.success) throw memberNotFound();
      audit({ memberId: parsed.data });
      const required = liveness.modeFor(principal?.role, query.liveness) === 'required';
      const verdict = await identification.verify(parsed.data, upload!.image, { threshold: query.threshold, liveness: required });
      audit({ details: { match: verdict.match, distance: verdict.distance, liveness: required ? 'required' : 'off', ...(verdict.liveness ? { live: verdict.liveness.live } : {}) } });
      if (required) countLiveness(metrics, 'verify', [verdict.liveness]);
      return { body: verdict };
    },
  }),
];
