import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The ONNX weight files committed under models/weights/ (sources and licences in the README and
 * models/weights/licenses/), each with the SHA-256 it must have. They are never fetched at run time.
 */
export interface WeightFile {
  file: string;
  sha256: string;
}

export const YUNET_WEIGHTS: WeightFile = Object.freeze({
  file: 'yunet_s_dynamic.onnx',
  sha256: 'daede24002cc8590f457998cc5e6c9e8b82f45f6bd969506a8913cd4ed10a2d3',
});

export const EMBEDDER_WEIGHTS: WeightFile = Object.freeze({
  file: 'fr_feature.onnx',
  sha256: '87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581',
});

export const REID_EMBEDDER_WEIGHTS: WeightFile = Object.freeze({
  file: 'face_reidentification_retail_0095.onnx',
  sha256: '880ad6e9870b473834786bd83f3d5a081d9605656ded670e1fa599e0a8e8254f',
});

/** models/weights/, from sources (models/onnx/) or from the built image (dist/models/onnx/). */
export function weightsDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.resolve(here, '..', 'weights');
}

/**
 * The bytes of a weight file, after checking their SHA-256: the session is created from exactly
 * these bytes, so a corrupted or swapped file can never produce templates under this model's name.
 */
export async function readVerifiedWeights(weights: WeightFile, dir = weightsDir()): Promise<Uint8Array> {
  const bytes = await readFile(path.join(dir, weights.file));
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== weights.sha256) {
    throw new Error(`${weights.file}: SHA-256 ${digest} differs from the expected ${weights.sha256}; refusing to load it`);
  }
  return bytes;
}
