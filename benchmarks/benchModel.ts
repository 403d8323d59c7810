import { FACE_MODEL_KEYS, FACE_MODELS, readCalibratedThresholds, type FaceModelKey, type FaceModelSpec, type ModelThresholds } from '../models/faceModels.js';

/**
 * The face model a benchmark runs: FACE_MODEL, as for the service (default yunet-fr512), so that
 * `FACE_MODEL=faceapi npm run bench:…` measures the project card's pipeline the same way.
 */
export function benchModel(): FaceModelSpec {
  const key = (process.env.FACE_MODEL ?? 'yunet-fr512+omz256') as FaceModelKey;
  if (!FACE_MODEL_KEYS.includes(key)) {
    console.error(`FACE_MODEL=${key} is not one of ${FACE_MODEL_KEYS.join(', ')}`);
    process.exit(2);
  }
  return FACE_MODELS[key];
}

/** The model's committed thresholds, or undefined before its first calibration. */
export function benchThresholds(model: FaceModelSpec): ModelThresholds | undefined {
  try {
    return readCalibratedThresholds(model);
  } catch {
    return undefined;
  }
}
