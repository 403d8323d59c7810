/** Shapes shared by the face pipeline, its worker threads and the service. */
import type { FaceModelSpec } from './faceModels.js';
import type { KnownFace } from './knownFaces.js';

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

export interface Point {
  x: number;
  y: number;
}

export interface DetectedFace {
  box: Box;
  /** The detector's 5 points (eyes, nose tip, mouth corners), where the model gives them. */
  landmarks?: Point[];
  measures: FaceMeasures;
  /** Empty for a face of `known` (knownAs set): measured, not described. */
  descriptor: Float32Array;
  /** The index in the task's `known` of the followed face this one is (knownFaces.ts); absent: described. */
  knownAs?: number;
  /** Passive liveness, when the task asked for it: the fused MiniFASNet probability of a live face, 0..1. */
  livenessScore?: number;
  /** Liveness challenge frames only (the largest face): how open the eyes are (mean eye aspect ratio, 68 landmarks) … */
  eyeOpenness?: number;
  /** … how well one perspective transform maps the session's first face onto this one … */
  planeFit?: number;
  /** … or, on the first frame, the reference later frames are fitted to. */
  planarityReference?: PlanarityReference;
}

/** What a worker receives: decoded RGB pixels, row-major, 3 bytes a pixel. */
export interface AnalyzeTask {
  pixels: Uint8Array;
  width: number;
  height: number;
  /** A downscaled copy for the detector, where the model detects on one (same aspect). */
  detection?: { pixels: Uint8Array; width: number; height: number };
  /** Run the passive liveness models on each face (the till; never camera frames: they cost ≈ 12 ms a face). */
  liveness?: boolean;
  /** A liveness challenge frame: eye openness and the plane fit against `reference` (the first frame's; absent on the first). */
  challenge?: { reference?: PlanarityReference };
  /** Faces a camera already follows, in these pixels: a face that is one of them is not described again (knownFaces.ts). */
  known?: KnownFace[];
  /**
   * One embedder run a face even where the model takes the mirror average (FaceModelSpec.mirrorAverage):
   * camera frames, for capacity. Such a descriptor compared with mirror-averaged templates false-matches
   * no more often than two alike (README "Thresholds: how they were chosen").
   */
  describeOnce?: boolean;
}

export interface AnalyzeResult {
  faces: DetectedFace[];
}

/**
 * What each worker's `info` receives when a pipeline starts: a count every worker adds itself to
 * once its models are loaded, and how many there are. A worker answers only when all have arrived,
 * so each of the pool's workers takes one of these tasks and a started pipeline has no worker still
 * loading (facePipeline.ts start).
 */
export interface WarmUpTask {
  arrived: SharedArrayBuffer;
  workers: number;
}

/** A worker's answer to its WarmUpTask. */
export interface WarmWorker {
  model: ModelInfo;
  threadId: number;
}

/** The model a pipeline runs, as its workers report it once warm. */
export interface ModelInfo extends FaceModelSpec {
  /** What runs inference: `onnxruntime-cpu/<threads>t`, or TensorFlow.js's `tensorflow` (tfjs-node) or `wasm`. */
  backend: string;
}

/** The face's region of the enrollment photo, kept to tell a print held up from a face (liveness/planarity.ts). */
export interface PlanarityReference {
  patch: Uint8Array;
  box: Box;
  plane: Point[];
}
