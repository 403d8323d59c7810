/**
 * Faces per second through the service's pipeline (sharp decode → worker pool → detection,
 * alignment, descriptors, quality measures) with the running model (FACE_MODEL, default
 * yunet-fr512: YuNet + the 512-d embedder on ONNX Runtime) against plain @vladmandic/face-api
 * calls (detectAllFaces → landmarks → descriptors, the project card's model) on the same photos,
 * in the same run.
 *
 *   [FACE_MODEL=…] npm run bench:pipeline [-- --rounds 20] [--json]
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import sharp from 'sharp';
import { faceApiModelDir, loadFaceApi, useTfBackend } from '../models/faceapi/backend.js';
import { benchModel } from './benchModel.js';
import { FacePipeline } from '../models/facePipeline.js';
import { cropFace, demoPhoto, PERSON_A } from '../service/testSupport/facePhotos.js';
import { benchCommand } from './benchCommand.js';

const opts = benchCommand()
  .option('--rounds <n>', 'photos per case and contender', '20')
  .option('--intra-op <n>', 'ONNX Runtime threads inside each worker (ONNX_INTRA_OP_THREADS)', '1')
  .parse()
  .opts<{ rounds: string; intraOp: string; json?: boolean }>();
const rounds = Number(opts.rounds);
const model = benchModel();
const cores = os.availableParallelism();

const photos = {
  'single face, 250×250': await sharp(await cropFace(PERSON_A, { width: 400 })).resize(250, 250, { fit: 'cover' }).jpeg({ quality: 90 }).toBuffer(),
  'group photo, 1920 px': await sharp(await fs.readFile(demoPhoto(1))).resize({ width: 1920 }).jpeg({ quality: 90 }).toBuffer(),
};

interface Measured {
  facesPerSecond: number;
  msPerPhoto: number;
  faces: number;
}

async function timed(run: () => Promise<number>, concurrency: number): Promise<Measured> {
  await run(); // warm-up
  let faces = 0;
  let left = rounds;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left-- > 0) {
        const found = await run(); // not `faces += await run()`: that reads `faces` before awaiting
        faces += found;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { facesPerSecond: Number((faces / seconds).toFixed(2)), msPerPhoto: Math.round((seconds * 1000) / rounds), faces: faces / rounds };
}

// Plain face-api, as its README shows it, on the main thread.
useTfBackend(process.env.VISAGE_TF_BACKEND === 'wasm' ? 'wasm' : 'auto'); // as the service's configuration would
const { faceapi, backend } = await loadFaceApi();
const modelDir = faceApiModelDir();
await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);
const plain = async (bytes: Buffer): Promise<number> => {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const tensor = faceapi.tf.tensor3d(new Uint8Array(data), [info.height, info.width, 3], 'int32');
  try {
    const found = await faceapi.detectAllFaces(tensor, new faceapi.SsdMobilenetv1Options({ minConfidence: 0.3 })).withFaceLandmarks().withFaceDescriptors();
    return found.length;
  } finally {
    tensor.dispose();
  }
};

const results: ({ photo: string; contender: string } & Measured)[] = [];
for (const [name, bytes] of Object.entries(photos)) {
  results.push({ photo: name, contender: 'plain face-api (main thread)', ...(await timed(() => plain(bytes), 1)) });
}

for (const threads of [1, cores]) {
  const pipeline = new FacePipeline({ model, threads, intraOpThreads: Number(opts.intraOp), decodeLimits: { maxPixels: 40_000_000, maxSidePx: 1920 } });
  await pipeline.start();
  for (const [name, bytes] of Object.entries(photos)) {
    const measured = await timed(async () => (await pipeline.analyze(bytes)).faces.length, threads * 2);
    results.push({ photo: name, contender: `service ${model.key} (${threads} worker${threads > 1 ? 's' : ''})`, ...measured });
  }
  await pipeline.close();
}

const ratios = Object.keys(photos).map((photo) => {
  const of = (prefix: string) => results.filter((r) => r.photo === photo && r.contender.startsWith(prefix));
  const base = of('plain')[0]!.facesPerSecond;
  const [one, all] = of('service');
  return { photo, oneWorker: Number((one!.facesPerSecond / base).toFixed(2)), allWorkers: Number((all!.facesPerSecond / base).toFixed(2)) };
});

console.log(`\nplain face-api on ${backend}; the service runs ${model.name} ${model.version}; ${cores} cores, ${rounds} photos per case\n`);
console.log('photo                    contender                             faces/s   ms/photo   faces/photo');
for (const r of results) console.log(`${r.photo.padEnd(25)}${r.contender.padEnd(38)}${String(r.facesPerSecond).padEnd(10)}${String(r.msPerPhoto).padEnd(11)}${r.faces}`);
console.log('');
for (const r of ratios) console.log(`${r.photo}: service / plain face-api = ${r.oneWorker}× with 1 worker, ${r.allWorkers}× with ${cores}`);
if (opts.json) console.log(JSON.stringify({ model: `${model.name} ${model.version}`, faceApiBackend: backend, cores, results, ratios }));
