/**
 * Worker-thread side of the face pipeline (run by piscina, one model copy per thread). The
 * model comes from `workerData` (FACE_MODEL); everything here is CPU-heavy and never runs on the
 * event loop.
 */
import { workerData } from 'node:worker_threads';
import { useTfBackend } from './faceapi/backend.js';
import { FACE_MODELS, type FaceModelKey } from './faceModels.js';
import { eyeOpenness } from './liveness/eyeOpenness.js';
import { PassiveLiveness } from './liveness/passiveLiveness.js';
import { planarityReference, planeAlignment } from './liveness/planarity.js';
import type { AnalyzeResult, AnalyzeTask, ModelInfo } from './types.js';

export interface FaceWorkerData {
  model: FaceModelKey;
  /** ONNX Runtime intra-op threads per worker (the ONNX model only). */
  intraOpThreads: number;
  /** face-api's TensorFlow.js backend: `auto` or `wasm`. */
  tfBackend: 'auto' | 'wasm';
}

interface LoadedAnalyzer {
  backend: string;
  analyze(task: AnalyzeTask): Promise<AnalyzeResult>;
}

async function load({ model, intraOpThreads }: FaceWorkerData): Promise<LoadedAnalyzer> {
  if (model === 'faceapi') {
    const { loadFaceApiAnalyzer } = await import('./faceapi/faceApiAnalyzer.js');
    return loadFaceApiAnalyzer();
  }
  const { OnnxFaceAnalyzer } = await import('./onnx/onnxFaceAnalyzer.js');
  const analyzer = await OnnxFaceAnalyzer.load({ intraOpThreads, fusion: FACE_MODELS[model].fusion });
  return { backend: `onnxruntime-cpu/${intraOpThreads}t`, analyze: (task) => analyzer.analyze(task) };
}

const options = workerData as FaceWorkerData;
useTfBackend(options.tfBackend);
const ready = load(options);
// Any model, the same liveness models (ONNX Runtime, small): loaded beside it.
const liveness = PassiveLiveness.load(options.intraOpThreads);
// Reported through info(); an unhandled rejection would kill the worker before it can say why.
ready.catch(() => undefined);
liveness.catch(() => undefined);

export async function info(): Promise<ModelInfo> {
  const { backend } = await ready;
  await liveness;
  const spec = FACE_MODELS[options.model];
  return { ...spec, backend };
}

export async function analyze(task: AnalyzeTask): Promise<AnalyzeResult> {
  const result = await (await ready).analyze(task);
  if (task.liveness) {
    const passive = await liveness;
    for (const face of result.faces) face.livenessScore = await passive.score(task.pixels, task.width, task.height, face.box);
  }
  if (task.challenge && result.faces.length > 0) {
    // The session follows one face: the largest.
    const largest = result.faces.reduce((a, b) => (b.box.width * b.box.height > a.box.width * a.box.height ? b : a));
    largest.eyeOpenness = await eyeOpenness(task.pixels, task.width, task.height, largest.box);
    const points = largest.landmarks;
    if (points?.length === 5) {
      const { reference } = task.challenge;
      if (reference) largest.planeFit = planeAlignment(reference, task.pixels, task.width, task.height, points);
      else largest.planarityReference = planarityReference(task.pixels, task.width, task.height, points);
    }
  }
  return result;
}
