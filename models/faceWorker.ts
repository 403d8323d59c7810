/**
 * Worker-thread side of the face pipeline (run by piscina, one model copy per thread). The
 * model comes from `workerData` (FACE_MODEL); everything here is CPU-heavy and never runs on the
 * event loop.
 */
import { threadId, workerData } from 'node:worker_threads';
import { useTfBackend } from './faceapi/backend.js';
import { FACE_MODELS, type FaceModelKey } from './faceModels.js';
import { eyeOpenness } from './liveness/eyeOpenness.js';
import { PassiveLiveness } from './liveness/passiveLiveness.js';
import { planarityReference, planeAlignment } from './liveness/planarity.js';
import type { AnalyzeResult, AnalyzeTask, WarmUpTask, WarmWorker } from './types.js';

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
  const analyzer = await OnnxFaceAnalyzer.load({ intraOpThreads, fusion: FACE_MODELS[model].fusion, mirrorAverage: FACE_MODELS[model].mirrorAverage });
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

/** How long a warm worker waits for the others before it answers anyway (one failed to load). */
const WARM_UP_WAIT_MS = 60_000;

export async function info({ arrived, workers }: WarmUpTask): Promise<WarmWorker> {
  const { backend } = await ready;
  await liveness;
  // Hold this worker until every worker of the pool is warm: the pool gives a busy worker no
  // other task, so each worker takes one `info` and loads before the pipeline counts as started.
  const count = new Int32Array(arrived);
  Atomics.add(count, 0, 1);
  const deadline = Date.now() + WARM_UP_WAIT_MS;
  while (Atomics.load(count, 0) < workers && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  return { model: { ...FACE_MODELS[options.model], backend }, threadId };
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
