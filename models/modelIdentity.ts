import { createRequire } from 'node:module';

/**
 * The descriptor model every template records, known without loading the weights: the index
 * must be built (and compared) only from templates of the model this service runs.
 */
export const DESCRIPTOR_MODEL_NAME = 'face-api/faceRecognitionNet+mirror-average';

/** The face-api release that ships the weights (the worker checks it matches what it loaded). */
export const DESCRIPTOR_MODEL_VERSION: string = (
  createRequire(import.meta.url)('@vladmandic/face-api/package.json') as { version: string }
).version;

export interface DescriptorModel {
  name: string;
  version: string;
}

export const CURRENT_DESCRIPTOR_MODEL: DescriptorModel = Object.freeze({ name: DESCRIPTOR_MODEL_NAME, version: DESCRIPTOR_MODEL_VERSION });
