import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** The face-api namespace; both of its node builds export the same API. */
export type FaceApi = typeof import('@vladmandic/face-api');

export interface LoadedFaceApi {
  faceapi: FaceApi;
  backend: 'tensorflow' | 'wasm';
  version: string;
}

function isInstalled(moduleName: string): boolean {
  try {
    require.resolve(moduleName);
    return true;
  } catch {
    return false;
  }
}

let tfBackend: 'auto' | 'wasm' = 'auto';

/** VISAGE_TF_BACKEND, as the service's configuration read it (the worker is told at start). */
export function useTfBackend(mode: 'auto' | 'wasm'): void {
  tfBackend = mode;
}

/**
 * Picks the TensorFlow.js backend: the native one (`@tensorflow/tfjs-node`, an optional
 * dependency present in the production image) when it is installed and loads, else the WASM
 * backend, whose .wasm binaries ship inside its npm package (no download at run time).
 * `wasm` (VISAGE_TF_BACKEND) forces WASM even where tfjs-node is installed.
 */
export async function loadFaceApi(): Promise<LoadedFaceApi> {
  if (tfBackend !== 'wasm' && isInstalled('@tensorflow/tfjs-node')) {
    try {
      const faceapi = require('@vladmandic/face-api/dist/face-api.node.js') as FaceApi;
      await (faceapi.tf as unknown as typeof import('@tensorflow/tfjs')).ready();
      return { faceapi, backend: 'tensorflow', version: faceapi.version };
    } catch {
      // A tfjs-node whose native library failed to load: fall through to WASM.
    }
  }
  const tf = require('@tensorflow/tfjs') as typeof import('@tensorflow/tfjs');
  const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  wasm.setWasmPaths(wasmDir + path.sep);
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
  await tf.setBackend('wasm');
  await tf.ready();
  return { faceapi, backend: 'wasm', version: faceapi.version };
}

/** Folder of the weights that the face-api npm package ships. */
export function faceApiModelDir(): string {
  return path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
}
