// Development entry of the face worker thread when the service runs from TypeScript sources
// (npm start, vitest): Node 20 ignores `--import` hooks in worker threads, so the worker
// registers tsx itself before loading faceWorker.ts. The built image loads faceWorker.js directly.
import { register } from 'tsx/esm/api';

register();
const worker = await import('./faceWorker.ts');

export const analyze = worker.analyze;
export const info = worker.info;
