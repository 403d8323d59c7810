import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EMBEDDER_WEIGHTS, REID_EMBEDDER_WEIGHTS, YUNET_WEIGHTS } from './onnx/weights.js';
import type { Fusion } from './vectors.js';

/**
 * The face models the service can run (FACE_MODEL), known without loading any weights: the
 * index, the configuration and the decision rule need a model's identity, dimension, metric and
 * calibrated thresholds before the worker threads have warmed up.
 */

/** How a model's descriptors are compared; its thresholds are in this scale. */
export type Metric = 'cosine' | 'euclidean';

/** What every template records: templates of another name or version are never compared. */
export interface DescriptorModel {
  name: string;
  version: string;
}

/** A descriptor model with the shape of its vectors: what an index of its templates needs. */
export interface IndexedModel extends DescriptorModel {
  /** Values per descriptor. */
  dimension: number;
}

export const FACE_MODEL_KEYS = ['yunet-fr512+omz256', 'yunet-fr512', 'faceapi'] as const;
export type FaceModelKey = (typeof FACE_MODEL_KEYS)[number];

export interface FaceModelSpec extends IndexedModel {
  key: FaceModelKey;
  /**
   * cosine: unit-length descriptors, thresholds on cosine similarity (higher is closer);
   * euclidean: thresholds on Euclidean distance (lower is closer).
   */
  metric: Metric;
  /** The detector sees a copy downscaled to this longest side (landmarks mapped back); unset: the analysed image. */
  detectMaxSidePx?: number;
  /** ...and smaller photos enlarged to this longest side. */
  detectMinSidePx?: number;
  /** Set for a model whose descriptor fuses several embedders' (models/vectors.ts fusedDescriptor). */
  fusion?: Fusion;
  /**
   * fr_feature's descriptor is the mean of the aligned face's and its mirror image's (one more
   * embedder run a face, ≈ 5 ms): a face is then described the same whichever way it turns.
   */
  mirrorAverage?: boolean;
}

/** Short digest of the weights a model runs: part of its version, so new weights never mix with old templates. */
const weightsDigest = (...sha256: string[]): string => createHash('sha256').update(sha256.join(':')).digest('hex').slice(0, 12);

/**
 * Revision of the default model's recipe around the weights (detector input size, alignment,
 * normalisation): a change that moves descriptors must bump it, so old templates are re-indexed
 * instead of being compared with new ones.
 */
const ONNX_RECIPE_REVISION = 'r1';

/**
 * The fused model's recipe on top of it, in its version: `fr-mirror`, fr_feature's part is the mirror average
 * (`npm run calibrate` and `npm run bench:cohort` on View 1 descriptors without and with it: DevTest 1:1
 * 99.20% → 99.40%; open-set FNIR at FPIR 1% on all of View 1 4.75% → 4.54% and 5.15% → 4.52% on
 * its two halves. Mirroring omz-0095's part too gave 4.12% and 4.63%: no better in sum, for
 * another ≈ 8 ms a face).
 */
const FUSED_RECIPE = 'fr-mirror';

const faceApiVersion: string = (createRequire(import.meta.url)('@vladmandic/face-api/package.json') as { version: string }).version;

/**
 * The fused model's weights: its score is FR_WEIGHT·cos(fr_feature) + (1 − FR_WEIGHT)·cos(omz-0095).
 * Measured, not assumed: `npm run bench:fusion` on LFW View 1 DevTrain, the weight with the fewest
 * open-set misses summed at FPIR 1% and 0.1% (0.5: 4.88% + 8.84%; 0.4: 5.18% + 9.76%; 0.6: 4.57% +
 * 9.60%; fr_feature alone 7.47% + 13.41%). DevTest is never used to choose it.
 */
export const FUSION_FR_WEIGHT = 0.5;

const FR512: FaceModelSpec = Object.freeze({
  key: 'yunet-fr512',
  name: 'yunet_s+fr_feature-512',
  version: `2023mar+${weightsDigest(YUNET_WEIGHTS.sha256, EMBEDDER_WEIGHTS.sha256)}.${ONNX_RECIPE_REVISION}`,
  dimension: 512,
  metric: 'cosine',
  // Measured (models README): at full resolution, 2,000-pixel portraits gave wrong landmarks
  // and spurious faces; at 640 px they did not.
  detectMaxSidePx: 640,
  // Measured (npm run calibrate, LFW View 1, 250×250 photos): enlarging small photos for the
  // detector gives more precise landmarks, so better alignment: open-set FNIR at FPIR 0.1%
  // 22.1% → 12.7% (enlarged to 500 px), DevTrain 1:1 accuracy 99.41% → 99.59%.
  detectMinSidePx: 512,
});

const FUSION: Fusion = Object.freeze({
  parts: Object.freeze([
    Object.freeze({ dimension: 512, weight: FUSION_FR_WEIGHT }),
    Object.freeze({ dimension: 256, weight: 1 - FUSION_FR_WEIGHT }),
  ]),
});

export const FACE_MODELS: Readonly<Record<FaceModelKey, FaceModelSpec>> = Object.freeze({
  // The default: the same detector and fr_feature, fused with Intel's face-reidentification-retail-0095.
  'yunet-fr512+omz256': Object.freeze({
    ...FR512,
    key: 'yunet-fr512+omz256',
    name: 'yunet_s+fr_feature-512+omz-reid-0095-256',
    version: `2023mar+${weightsDigest(YUNET_WEIGHTS.sha256, EMBEDDER_WEIGHTS.sha256, REID_EMBEDDER_WEIGHTS.sha256)}.${ONNX_RECIPE_REVISION}.${FUSED_RECIPE}.w${FUSION_FR_WEIGHT}`,
    dimension: 768,
    fusion: FUSION,
    mirrorAverage: true,
  }),
  'yunet-fr512': FR512,
  faceapi: Object.freeze({
    key: 'faceapi',
    name: 'face-api/faceRecognitionNet+mirror-average',
    version: faceApiVersion,
    dimension: 128,
    metric: 'euclidean',
  }),
});

/** The decision thresholds of one model, in its metric's scale (`npm run calibrate` writes them). */
export interface ModelThresholds {
  /** 1:N identification (also the double-enrollment check and the visitor tracker). */
  match: number;
  /** 1:N: how much closer the best member must be than the best different member. */
  margin: number;
  /** 1:N for members an entrance camera saw today (searched first at the till). */
  today: number;
  /** 1:1 verification. */
  verify: number;
}

/**
 * Where a MATCH_THRESHOLD was fitted on a deployment's own members: the group's size (templates)
 * and the target FPIR it was to hold there. At that size the fitted threshold is the measurement;
 * the false-match curve only says how much stricter a larger partition must be.
 */
export interface ThresholdFit {
  templates: number;
  targetFpir: number;
}

/**
 * The model's measured false-match curve: over `pairs` different-person pairs of real photos, how
 * many were at least as close as each closeness (cosine similarity, or the negated distance),
 * closest last. Identification sets each partition's threshold from it and the partition's size.
 */
export interface FalseMatchCurve {
  pairs: number;
  /** What the pairs are (data set, images, which face). */
  source: string;
  /** [closeness, pairs at least that close], closeness rising. */
  points: [number, number][];
}

export interface ThresholdsFile extends ModelThresholds {
  model: DescriptorModel;
  metric: Metric;
  falseMatchCurve?: FalseMatchCurve;
  /** How the numbers were chosen (command, data, date). */
  calibration: Record<string, unknown>;
}

const thresholdsDir = (): string => path.join(path.dirname(fileURLToPath(import.meta.url)), 'thresholds');

export const thresholdsFilePath = (key: FaceModelKey): string => path.join(thresholdsDir(), `${key}.json`);

/** A model's committed thresholds file; refuses one written for other weights (its scale and its curve would be another model's). */
function readThresholdsFile(spec: FaceModelSpec): ThresholdsFile {
  const file = JSON.parse(readFileSync(thresholdsFilePath(spec.key), 'utf8')) as ThresholdsFile;
  if (file.model.name !== spec.name || file.model.version !== spec.version || file.metric !== spec.metric) {
    throw new Error(`${thresholdsFilePath(spec.key)} was calibrated for ${file.model.name} ${file.model.version}, not ${spec.name} ${spec.version}: run npm run calibrate`);
  }
  return file;
}

/** The calibrated thresholds committed for a model. */
export function readCalibratedThresholds(spec: FaceModelSpec): ModelThresholds {
  const file = readThresholdsFile(spec);
  return { match: file.match, margin: file.margin, today: file.today, verify: file.verify };
}

/** The false-match curve committed for a model, if its calibration measured one. */
export function readFalseMatchCurve(spec: FaceModelSpec): FalseMatchCurve | undefined {
  return readThresholdsFile(spec).falseMatchCurve;
}
