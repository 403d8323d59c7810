/**
 * Worker-thread side of the face pipeline (run by piscina, one model copy per thread). The
 * model comes from `workerData` (FACE_MODEL); everything here is CPU-heavy and never runs on the
 * event loop.
 */
import { workerData } from 'node:worker_threads';
import { FACE_MODELS, type FaceModelKey } from './faceModels.js';
import type { AnalyzeResult, AnalyzeTask, ModelInfo } from './types.js';

export interface FaceWorkerData {
  model: FaceModelKey;
  /** ONNX Runtime intra-op threads per worker (the ONNX model only). */
  intraOpThreads: number;
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
  const analyzer = await OnnxFaceAnalyzer.load({ intraOpThreads });
  return { backend: `onnxruntime-cpu/${intraOpThreads}t`, analyze: (task) => analyzer.analyze(task) };
}

const options = workerData as FaceWorkerData;
const ready = load(options);
// Reported through info(); an unhandled rejection would kill the worker before it can say why.
ready.catch(() => undefined);

export async function info(): Promise<ModelInfo> {
  const { backend } = await ready;
  const spec = FACE_MODELS[options.model];
  return { ...spec, backend };
}

export async function analyze(task: AnalyzeTask): Promise<AnalyzeResult> {
  return (await ready).analyze(task);
}
