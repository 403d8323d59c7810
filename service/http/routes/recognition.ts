import { Router } from 'express';
import type { FaceService } from '../../domain/faceService.js';
import { AppError } from '../../errors.js';
import { readImageUpload, rawImageParser } from '../imageUpload.js';
import { descriptorSchema, identifyQuerySchema, verifyQuerySchema } from '../schemas.js';
import { parseInput } from '../validation.js';
import { memberIdParam } from './members.js';

export function recognitionRoutes(faces: FaceService, maxUploadBytes: number): Router {
  const router = Router();

  router.post('/identify', rawImageParser(maxUploadBytes), async (req, res) => {
    const query = parseInput(identifyQuerySchema, req.query, 'query');
    if (req.is('application/json')) {
      const { descriptor } = parseInput(descriptorSchema, req.body, 'body');
      res.json({ faces: await faces.identifyDescriptor(descriptor, query) });
      return;
    }
    const { image } = await readImageUpload(req, maxUploadBytes);
    res.json({ faces: await faces.identify(image, query) });
  });

  router.post('/verify', rawImageParser(maxUploadBytes), async (req, res) => {
    const query = parseInput(verifyQuerySchema, req.query, 'query');
    const { image, fields } = await readImageUpload(req, maxUploadBytes);
    const rawMemberId = query.memberId ?? fields.memberId;
    if (!rawMemberId) throw new AppError('VALIDATION_FAILED', 'memberId is required (query string or multipart field)');
    const memberId = memberIdParam(rawMemberId);
    res.json(await faces.verify(memberId, image, query));
  });

  return router;
}
