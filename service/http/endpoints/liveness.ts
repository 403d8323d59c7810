import { endpoint } from '../endpoint.js';
import * as out from '../responses.js';
import { livenessSessionPath as sessionPath } from './pathParams.js';
const SESSION_ERRORS = ['LIVENESS_SESSION_NOT_FOUND', 'LIVENESS_SESSION_EXPIRED'] as const;

/** Active liveness challenges: a till proves a live face over a short burst of frames before it identifies. */
export const livenessEndpoints = [
  endpoint({
    method: 'post',
    path: '/v1/liveness/sessions',
    summary: 'Start a liveness challenge: a head turn and a blink in a random order; post frames for at most 10 s, then ask for the verdict',
    roles: ['pos', 'operator'],
    audit: 'liveness.start',
    responses: { 201: { description: 'the session and its challenge', schema: out.livenessSession } },
    errors: [],
    handle: async ({ principal }, { livenessSessions }) => ({ status: 201, body: await livenessSessions.create(principal?.keyId ?? null) }),
  }),
  endpoint({
    method: 'get',
    path: '/v1/liveness/sessions/:sessionId',
    summary: 'A liveness session: its challenge, frames received, verdict once judged',
    roles: ['pos', 'operator'],
    ...sessionPath,
    responses: { 200: { description: 'the session', schema: out.livenessSession } },
    errors: SESSION_ERRORS,
    handle: async ({ params }, { livenessSessions }) => ({ body: await livenessSessions.get(params.sessionId) }),
  }),
  endpoint({
    method: 'post',
    path: '/v1/liveness/sessions/:sessionId/frames',
    summary: 'One camera frame of the challenge (one face); a few a second, within 10 s of the first. Nothing of the image is kept',
    roles: ['pos', 'operator'],
    ...sessionPath,
    image: {},
    responses: { 200: { description: 'the session, with the frame counted', schema: out.livenessSession } },
    errors: [...SESSION_ERRORS, 'LIVENESS_SESSION_CLOSED', 'NO_FACE', 'MULTIPLE_FACES'],
    handle: async ({ params, upload }, { livenessSessions }) => ({ body: await livenessSessions.addFrame(params.sessionId, upload!.image) }),
  }),
  endpoint({
    method: 'post',
    path: '/v1/liveness/sessions/:sessionId/verdict',
    summary: 'Judge the frames and close the session: {live, reasons, steps}; a passed session lets one identification of the same face through (POST /v1/identify?livenessSession=…)',
    roles: ['pos', 'operator'],
    ...sessionPath,
    audit: 'liveness.verdict',
    responses: { 200: { description: 'the session with its verdict', schema: out.livenessSession } },
    errors: SESSION_ERRORS,
    handle: async ({ params, audit }, { livenessSessions, metrics }) => {
      const session = await livenessSessions.judge(params.sessionId);
      const verdict = session.verdict!;
      audit({ details: { sessionId: session.sessionId, live: verdict.live, reasons: verdict.reasons, frames: session.frames } });
      metrics.livenessOutcomes.inc({ source: 'session', outcome: verdict.live ? 'live' : (verdict.reasons[0] ?? 'refused') });
      return { body: session };
    },
  }),
];
