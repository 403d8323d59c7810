import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { FACE_MODELS } from './faceModels.js';
import { FacePipeline } from './facePipeline.js';
import { cropFace, PERSON_A } from '../service/testSupport/facePhotos.js';

/**
 * Starting and stopping the worker pool around ONNX Runtime. A worker stopped while it loads a
 * model or infers aborts the whole process ("terminate called after throwing an instance of
 * 'Napi::Error'"), which vitest reports as this file's fork exiting unexpectedly: these tests fail
 * that way, not by an assertion, if close() stops a worker too soon.
 */
const pipelineOf = (threads: number) =>
  new FacePipeline({ model: FACE_MODELS['yunet-fr512+omz256'], threads, decodeLimits: { maxPixels: 4_000_000, maxSidePx: 1920 } });

describe('FacePipeline start and close', () => {
  const grey = sharp({ create: { width: 64, height: 64, channels: 3, background: '#888' } }).jpeg().toBuffer();

  it('is started only once every worker has loaded its models: each worker answers one warm-up', async () => {
    const pipeline = pipelineOf(2);
    try {
      const [first, second] = await Promise.all([pipeline.start(), pipeline.start()]);
      expect(first).toBe(second); // one start, however many callers
      expect(first.key).toBe('yunet-fr512+omz256');
      expect(pipeline.warmWorkers).toBe(2);
      expect(pipeline.isReady).toBe(true);
    } finally {
      await pipeline.close();
    }
  }, 60_000);

  it('closed while its workers load, it lets them finish loading before stopping them, and refuses work after', async () => {
    for (let round = 0; round < 3; round++) {
      const pipeline = pipelineOf(2);
      const started = pipeline.start();
      await pipeline.close();
      // close() waited for the load: the start it began with has completed, on both workers.
      await expect(started).resolves.toMatchObject({ key: 'yunet-fr512+omz256' });
      expect(pipeline.warmWorkers).toBe(2);
      await expect(pipeline.analyze(await grey)).rejects.toThrow(/shutting down/);
    }
  }, 120_000);

  it('closed without ever being started, it loads and stops cleanly', async () => {
    const pipeline = pipelineOf(2);
    await pipeline.close();
    expect(pipeline.warmWorkers).toBe(2);
  }, 60_000);
});

describe('FacePipeline lanes and the recipe', () => {
  it("describes a camera's frame once a face and photos with the model's mirror average", async () => {
    const pipeline = pipelineOf(1);
    try {
      await pipeline.start();
      const photo = await cropFace(PERSON_A, { width: 320 });
      const descriptorIn = async (lane: 'pos' | 'enroll' | 'camera') => Array.from((await pipeline.analyze(photo, { lane })).faces[0]!.descriptor);
      const [pos, enroll, camera] = [await descriptorIn('pos'), await descriptorIn('enroll'), await descriptorIn('camera')];
      expect(enroll).toEqual(pos); // a till's photo and an enrollment photo: one recipe
      expect(camera).not.toEqual(pos);
      expect(camera.reduce((sum, v, i) => sum + v * pos[i]!, 0)).toBeGreaterThan(0.9); // the same face, described once
    } finally {
      await pipeline.close();
    }
  }, 60_000);
});
