import { Router } from 'express';
import type { FrameService } from '../../domain/frameService.js';
import { readImageUpload, rawImageParser } from '../imageUpload.js';
import { cameraIdSchema, frameQuerySchema } from '../schemas.js';
import type { Metrics } from '../../metrics.js';
import { allow } from '../auth.js';
import { faceOutcome } from './recognition.js';
import { parseInput } from '../validation.js';

/** Entrance cameras: frames in, detections (and visits) out. */
export function cameraRoutes(frames: FrameService, metrics: Metrics, maxUploadBytes: number): Router {
  const router = Router();

  router.post('/:cameraId/frames', allow('camera'), rawImageParser(maxUploadBytes), async (req, res) => {
    const cameraId = parseInput(cameraIdSchema, req.params.cameraId, 'cameraId');
    const { image, fields } = await readImageUpload(req, maxUploadBytes);
    const { capturedAt } = parseInput(frameQuerySchema, { capturedAt: req.query.capturedAt ?? fields.capturedAt }, 'query');
    const result = await frames.processFrame(cameraId, image, capturedAt === undefined ? undefined : new Date(capturedAt));
    for (const face of result.faces) {
      metrics.faceOutcomes.inc({ source: 'frame', outcome: faceOutcome(face) });
      if (face.visit) metrics.visits.inc({ new: String(face.visit.newVisit) });
    }
    res.json(result);
  });

  return router;
}
