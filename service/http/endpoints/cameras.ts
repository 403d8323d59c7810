import { z } from 'zod';
import { endpoint } from '../endpoint.js';
import * as out from '../responses.js';
import { cameraParams, frameQuerySchema } from '../schemas.js';
import { parseInput } from '../validation.js';
import { faceOutcome } from './recognition.js';

/** Entrance cameras that push frames: frames in, detections (and visits) out. */
export const cameraEndpoints = [
  endpoint({
    method: 'post',
    path: '/v1/cameras/:cameraId/frames',
    summary: 'Identify every face of an entrance-camera frame, record visits, apply the visitor policy (capturedAt in the query or as a multipart field)',
    roles: ['camera'],
    params: cameraParams,
    query: frameQuerySchema,
    image: { fields: z.object({ capturedAt: z.string().optional() }) },
    responses: { 200: { description: 'the detections', schema: out.frameResult } },
    errors: [],
    handle: async ({ params, query, upload }, { frames, metrics }) => {
      const { capturedAt } = query.capturedAt ? query : parseInput(frameQuerySchema, { capturedAt: upload!.fields.capturedAt }, 'fields');
      const result = await frames.processFrame(params.cameraId, upload!.image, capturedAt === undefined ? undefined : new Date(capturedAt));
      for (const face of result.faces) {
        metrics.faceOutcomes.inc({ source: 'frame', outcome: faceOutcome(face) });
        if (face.visit) metrics.visits.inc({ new: String(face.visit.newVisit) });
      }
      return { body: result };
    },
  }),
];
