import { Piscina } from 'piscina';
import type { FaceModelSpec } from './faceModels.js';
import type { FaceWorkerData } from './faceWorker.js';
import { decodeImage, resizedCopy, withoutMetadata, type DecodeLimits, type ImageFormat } from './imageDecoder.js';
import { LaneScheduler, type Lane, type LaneLimits, type LaneObserver } from './laneScheduler.js';
import type { AnalyzeResult, AnalyzeTask, Box, DetectedFace, ModelInfo, WarmUpTask, WarmWorker } from './types.js';

export interface AnalyzedImage {
  format: ImageFormat;
  /** Size of the photo as sent (after EXIF orientation). */
  width: number;
  height: number;
  /** Faces, largest first; boxes in the photo's own pixel coordinates. */
  faces: DetectedFace[];
}

export interface FacePipelineOptions {
  model: FaceModelSpec;
  /** Worker threads, each with its own copy of the model. */
  threads: number;
  /** ONNX Runtime intra-op threads inside each worker (the ONNX model only). */
  intraOpThreads?: number;
  decodeLimits: DecodeLimits;
  /** The inference queue's lanes (laneScheduler.ts); unbounded when absent (benchmarks). */
  lanes?: Record<Lane, LaneLimits>;
  observer?: LaneObserver;
  /** face-api's TensorFlow.js backend (VISAGE_TF_BACKEND): `auto` or `wasm`. */
  tfBackend?: 'auto' | 'wasm';
}

const UNBOUNDED: Record<Lane, LaneLimits> = { pos: { maxQueued: Infinity }, enroll: { maxQueued: Infinity }, camera: { maxQueued: Infinity } };

/** From TypeScript sources (npm start, vitest) the worker is the .mjs shim that loads tsx first. */
function workerFilename(): string {
  const ownUrl = import.meta.url;
  return new URL(ownUrl.endsWith('.ts') ? './faceWorker.dev.mjs' : './faceWorker.js', ownUrl).href;
}

const scaleBox = (box: Box, scale: number): Box =>
  scale === 1
    ? box
    : {
        x: Math.round(box.x * scale),
        y: Math.round(box.y * scale),
        width: Math.round(box.width * scale),
        height: Math.round(box.height * scale),
      };

/** Waits for `work` (its failure included) for at most `ms`. */
const atMost = (ms: number, work: Promise<unknown>): Promise<unknown> =>
  Promise.race([work.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, ms).unref())]);

/**
 * The face pipeline as the service sees it: sharp decodes on libvips threads, a pool of worker
 * threads (one per core) runs the models. The event loop only moves buffers around.
 */
export class FacePipeline {
  private readonly pool: Piscina;
  private readonly scheduler: LaneScheduler;
  private model: ModelInfo | undefined;
  private starting: Promise<ModelInfo> | undefined;
  private warm = 0;
  private closing = false;

  constructor(private readonly options: FacePipelineOptions) {
    this.pool = new Piscina({
      filename: workerFilename(),
      minThreads: options.threads,
      maxThreads: options.threads,
      // Inference is CPU-bound: more than one task per thread only adds latency.
      concurrentTasksPerWorker: 1,
      idleTimeout: Number.POSITIVE_INFINITY,
      workerData: { model: options.model.key, intraOpThreads: options.intraOpThreads ?? 1, tfBackend: options.tfBackend ?? 'auto' } satisfies FaceWorkerData,
    });
    // One task per worker at a time: what waits, waits in the lanes, in priority order.
    this.scheduler = new LaneScheduler(options.threads, options.lanes ?? UNBOUNDED, options.observer);
  }

  /** Tasks waiting in a lane now (the metric). */
  queued(lane: Lane): number {
    return this.scheduler.queued(lane);
  }

  /** Loads and warms the models in every worker; resolves when all of them can serve. */
  start(): Promise<ModelInfo> {
    this.starting ??= (async () => {
      const task: WarmUpTask = { arrived: new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT), workers: this.options.threads };
      const answers = await Promise.all(Array.from({ length: this.options.threads }, () => this.pool.run(task, { name: 'info' }) as Promise<WarmWorker>));
      this.warm = new Set(answers.map((w) => w.threadId)).size;
      this.model = answers[0]!.model;
      return this.model;
    })();
    return this.starting;
  }

  /** How many distinct workers answered the start: all of them, unless one failed to load in time. */
  get warmWorkers(): number {
    return this.warm;
  }

  get modelInfo(): ModelInfo | undefined {
    return this.model;
  }

  get isReady(): boolean {
    return this.model !== undefined;
  }

  /** The photo as it is stored: orientation applied, metadata (EXIF, GPS) removed. */
  photoForStorage(bytes: Buffer, format: ImageFormat): Promise<Buffer> {
    return withoutMetadata(bytes, format, this.options.decodeLimits.maxPixels);
  }

  /**
   * Faces of a photo, largest first, analysed in the caller's lane (`pos` by default; OverloadedError
   * when the lane is full); `liveness` runs the passive liveness models on each face too,
   * `challenge` measures a challenge frame, and a face of `known` is measured but not described.
   */
  async analyze(bytes: Buffer, options: Pick<AnalyzeTask, 'liveness' | 'challenge' | 'known'> & { lane?: Lane } = {}): Promise<AnalyzedImage> {
    const image = await decodeImage(bytes, this.options.decodeLimits);
    // The detector's copy is resized by libvips (off the event loop), not in the worker.
    const { detectMaxSidePx: maxSide, detectMinSidePx: minSide } = this.options.model;
    const longest = Math.max(image.width, image.height);
    const detection =
      maxSide && longest > maxSide ? await resizedCopy(image, maxSide) : minSide && longest < minSide ? await resizedCopy(image, minSide) : undefined;
    // Known faces are in the photo's pixels; the worker sees the decoded (perhaps smaller) image.
    const known = options.known?.map((k) => ({ ...k, box: scaleBox(k.box, 1 / image.scale) }));
    // A camera's frames are described once a face (capacity); photos get the model's full recipe.
    const describeOnce = options.lane === 'camera';
    const task: AnalyzeTask = { pixels: image.pixels, width: image.width, height: image.height, detection, liveness: options.liveness, challenge: options.challenge, known, describeOnce };
    const transferList = [image.pixels.buffer as ArrayBuffer, ...(detection ? [detection.pixels.buffer as ArrayBuffer] : [])];
    if (this.closing) throw new Error('the face pipeline is shutting down');
    const result = (await this.scheduler.run(options.lane ?? 'pos', () => this.pool.run(task, { name: 'analyze', transferList }))) as AnalyzeResult;
    const faces = result.faces
      .map((face) => ({
        ...face,
        box: scaleBox(face.box, image.scale),
        ...(face.landmarks ? { landmarks: face.landmarks.map((p) => ({ x: Math.round(p.x * image.scale * 10) / 10, y: Math.round(p.y * image.scale * 10) / 10 })) } : {}),
      }))
      .sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
    return {
      format: image.format,
      width: Math.round(image.width * image.scale),
      height: Math.round(image.height * image.scale),
      faces,
    };
  }

  /**
   * Stops the workers once none of them is inside ONNX Runtime: a worker stopped in the middle of
   * a model's load or an inference takes the whole process down with it ("terminate called after
   * throwing an instance of 'Napi::Error'": the binding cannot report its error to a thread being
   * stopped). So the workers finish loading first (a pipeline closed before it was ready loads
   * first: a test that never analysed anything lost its process this way), then the analyses
   * under way finish; each wait is bounded, a shutdown goes on.
   */
  async close(): Promise<void> {
    this.closing = true;
    await atMost(30_000, this.start());
    await atMost(10_000, this.scheduler.idle());
    await this.pool.destroy();
  }
}
