/** Shapes shared by the face pipeline, its worker threads and the service. */

export const DESCRIPTOR_LENGTH = 128;

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Head pose estimated from the 68 landmarks, in degrees (0 = frontal). */
export interface Pose {
  yawDeg: number;
  pitchDeg: number;
  rollDeg: number;
}

/** Raw measurements of one face; judging them (enroll vs identify limits) is quality.ts's job. */
export interface FaceMeasures {
  /** Detector confidence, 0..1. */
  detectionScore: number;
  /** Face box width in pixels of the analysed image. */
  sizePx: number;
  /** Variance of the Laplacian of the face patch (64×64 grey): higher is sharper. */
  sharpness: number;
  /** Mean luma of the face patch, 0..255. */
  brightness: number;
  pose: Pose;
}

export interface DetectedFace {
  box: Box;
  measures: FaceMeasures;
  descriptor: Float32Array;
}

/** What a worker receives: decoded RGB pixels, row-major, 3 bytes a pixel. */
export interface AnalyzeTask {
  pixels: Uint8Array;
  width: number;
  height: number;
}

export interface AnalyzeResult {
  faces: DetectedFace[];
}

export interface ModelInfo {
  /** Name of the descriptor model, recorded with every template. */
  name: string;
  /** Version of the descriptor model (the face-api release that ships the weights). */
  version: string;
  /** TensorFlow.js backend that runs inference: `tensorflow` (tfjs-node) or `wasm`. */
  backend: string;
}
