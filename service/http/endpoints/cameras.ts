import { z } from 'zod';
import { endpoint, noContent } from '../endpoint.js';
import { cameraPath } from './pathParams.js';
import * as out from '../responses.js';
import { cameraParams, createCameraSchema, frameQuerySchema, updateCameraSchema } from '../schemas.js';
import { parseInput } from '../validation.js';

/** Entrance cameras: the ones Visage pulls (a resource), and frames pushed by systems that send them. */
export const cameraEndpoints = [
  endpoint({
    method: 'post',
    path: '/v1/cameras',
    summary: 'Add a camera Visage pulls itself: rtsp(s):// or http(s):// (MJPEG); one replica pulls it, sampling sampleFps frames a second (4)',
    roles: ['operator'],
    json: createCameraSchema,
    audit: 'camera.create',
    responses: { 201: { description: 'the camera (URL credentials masked)', schema: out.cameraView } },
    errors: ['CAMERA_ALREADY_EXISTS', 'MALL_NOT_FOUND'],
    handle: async ({ body, principal }, { cameras }) => ({ status: 201, body: await cameras.create({ ...body, mallId: body.mallId ?? principal?.mallId ?? undefined }) }),
  }),
  endpoint({
    method: 'get',
    path: '/v1/cameras',
    summary: 'Cameras with their streams: state, frames in / analysed / dropped, lag, last frame, reconnects, last error',
    roles: ['operator'],
    responses: { 200: { description: '{cameras}', schema: out.cameraList } },
    errors: [],
    handle: async (_context, { cameras }) => ({ body: { cameras: await cameras.list() } }),
  }),
  endpoint({
    method: 'get',
    path: '/v1/cameras/:cameraId',
    summary: 'One camera with its stream',
    roles: ['operator'],
    ...cameraPath,
    responses: { 200: { description: 'the camera', schema: out.cameraView } },
    errors: ['CAMERA_NOT_FOUND'],
    handle: async ({ params }, { cameras }) => ({ body: await cameras.get(params.cameraId) }),
  }),
  endpoint({
    method: 'patch',
    path: '/v1/cameras/:cameraId',
    summary: 'Change a camera (name, url, sampleFps, mallId; enabled: false stops it within a second on every replica)',
    roles: ['operator'],
    ...cameraPath,
    json: updateCameraSchema,
    audit: 'camera.update',
    responses: { 200: { description: 'the camera', schema: out.cameraView } },
    errors: ['CAMERA_NOT_FOUND', 'MALL_NOT_FOUND'],
    handle: async ({ params, body }, { cameras }) => ({ body: await cameras.update(params.cameraId, body) }),
  }),
  endpoint({
    method: 'delete',
    path: '/v1/cameras/:cameraId',
    summary: 'Remove a camera (its stream stops within a second on every replica; its visits stay)',
    roles: ['operator'],
    ...cameraPath,
    audit: 'camera.delete',
    responses: { 204: { description: 'removed' } },
    errors: ['CAMERA_NOT_FOUND'],
    handle: ({ params }, { cameras }) => noContent(cameras.delete(params.cameraId)),
  }),
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
    handle: async ({ params, query, upload, principal }, { frames }) => {
      const { capturedAt } = query.capturedAt ? query : parseInput(frameQuerySchema, { capturedAt: upload!.fields.capturedAt }, 'fields');
      const result = await frames.processFrame(params.cameraId, upload!.image, capturedAt === undefined ? undefined : new Date(capturedAt), principal?.mallId);
      return { body: result };
    },
  }),
];
