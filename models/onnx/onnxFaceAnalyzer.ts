/**
 * The ONNX face models, run inside a worker thread: YuNet finds faces and their 5 points on a
 * copy of the photo downscaled to ≈ 640 px; each face is aligned onto the 112×112 ArcFace template
 * from the full-resolution pixels and described by the 512-d `fr_feature` embedder, L2-normalised
 * so that cosine similarity is a dot product. The fused model also aligns the face onto the 128×128
 * template of Intel's 256-d re-identification network and keeps both descriptors in one vector
 * (fusedDescriptor): its cosine similarity is the weighted mean of the two models' similarities.
 */
import * as ort from 'onnxruntime-node';
import { estimatePoseFromFivePoints, laplacianVariance, meanOf } from '../quality.js';
import type { AnalyzeResult, AnalyzeTask, DetectedFace } from '../types.js';
import { l2Normalise } from '../vectors.js';
import { ALIGNED_SIDE, alignFace, OMZ_REID_INPUT, type AlignedFace } from './alignment.js';
import { fusedDescriptor, type Fusion } from '../vectors.js';
import { faceWeight, matchKnownFaces } from '../knownFaces.js';
import { EMBEDDER_WEIGHTS, readVerifiedWeights, REID_EMBEDDER_WEIGHTS, YUNET_WEIGHTS } from './weights.js';
import { decodeYunet, nonMaximumSuppression, YUNET_STRIDES, yunetInput, type RawDetection, type StrideOutputs } from './yunetDecode.js';

/**
 * Lowest detector score kept. The upstream README's measurement: at 0.9, 132 of LFW's 13,233
 * photos have no face, at 0.3–0.8 none; the quality policies ask more where it matters.
 */
const MIN_DETECTION_SCORE = 0.6;
/** Boxes overlapping more than this are one face (intersection over union). */
const NMS_MAX_OVERLAP = 0.3;
const MAX_FACES_PER_IMAGE = 50;

export interface OnnxAnalyzerOptions {
  /** ONNX Runtime intra-op threads per session (per worker thread). */
  intraOpThreads: number;
  /** Set for the fused model: the second embedder runs too, and this is how the two are weighed. */
  fusion?: Fusion;
  /** fr_feature describes each aligned face and its mirror image, and keeps the mean (FaceModelSpec.mirrorAverage). */
  mirrorAverage?: boolean;
}

export class OnnxFaceAnalyzer {
  private constructor(
    private readonly detector: ort.InferenceSession,
    private readonly embedder: ort.InferenceSession,
    private readonly second: { session: ort.InferenceSession; fusion: Fusion } | undefined,
    private readonly mirrorAverage: boolean,
  ) {}

  static async load(options: OnnxAnalyzerOptions): Promise<OnnxFaceAnalyzer> {
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: options.intraOpThreads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    };
    const [detectorBytes, embedderBytes] = await Promise.all([readVerifiedWeights(YUNET_WEIGHTS), readVerifiedWeights(EMBEDDER_WEIGHTS)]);
    const second = options.fusion
      ? { session: await ort.InferenceSession.create(await readVerifiedWeights(REID_EMBEDDER_WEIGHTS), sessionOptions), fusion: options.fusion }
      : undefined;
    const analyzer = new OnnxFaceAnalyzer(
      await ort.InferenceSession.create(detectorBytes, sessionOptions),
      await ort.InferenceSession.create(embedderBytes, sessionOptions),
      second,
      options.mirrorAverage === true,
    );
    await analyzer.warmUp();
    return analyzer;
  }

  /** The first run of a session allocates and plans; do it now, not on the first request. */
  private async warmUp(): Promise<void> {
    const side = 160;
    await this.detect(new Uint8Array(side * side * 3), side, side);
    await this.embed([{ tensor: new Float32Array(3 * ALIGNED_SIDE * ALIGNED_SIDE), grey: new Float32Array(0) }]);
    if (this.second) await this.embedSecond([{ tensor: new Float32Array(3 * OMZ_REID_INPUT.side ** 2), grey: new Float32Array(0) }]);
  }

  /** Faces found on an RGB image, in its own pixel coordinates, best first. */
  async detect(rgb: Uint8Array, width: number, height: number): Promise<RawDetection[]> {
    const { data, paddedWidth, paddedHeight } = yunetInput(rgb, width, height);
    const results = await this.detector.run({ input: new ort.Tensor('float32', data, [1, 3, paddedHeight, paddedWidth]) });
    const outputs = new Map<number, StrideOutputs>();
    for (const stride of YUNET_STRIDES) {
      const read = (name: string) => results[`${name}_${stride}`]!.data as Float32Array;
      outputs.set(stride, { cls: read('cls'), obj: read('obj'), bbox: read('bbox'), kps: read('kps') });
    }
    const found = nonMaximumSuppression(decodeYunet(outputs, paddedWidth, paddedHeight, MIN_DETECTION_SCORE), NMS_MAX_OVERLAP, MAX_FACES_PER_IMAGE);
    // A box centred in the padding is not a face of the photo.
    return found.filter((d) => d.x + d.width / 2 < width && d.y + d.height / 2 < height);
  }

  /**
   * Unit-length embeddings of aligned faces, in the same worker task. One network run per face
   * (two with the mirror average): the published graph fixes its batch dimension at 1 (ONNX
   * Runtime refuses [4,3,112,112]: "Got: 4 Expected: 1"), and rewriting the graph would change
   * the file whose digest we check.
   */
  async embed(faces: AlignedFace[], mirrorAverage = this.mirrorAverage): Promise<Float32Array[]> {
    const run = async (tensor: Float32Array) => {
      const results = await this.embedder.run({ input: new ort.Tensor('float32', tensor, [1, 3, ALIGNED_SIDE, ALIGNED_SIDE]) });
      return l2Normalise(Float32Array.from(results.output!.data as Float32Array));
    };
    const descriptors: Float32Array[] = [];
    for (const face of faces) {
      const direct = await run(face.tensor);
      descriptors.push(mirrorAverage ? l2Normalise(addInto(direct, await run(mirroredTensor(face.tensor, ALIGNED_SIDE)))) : direct);
    }
    return descriptors;
  }

  /** Unit-length 256-d descriptors of the second embedder (faces aligned onto its own 128×128 template). */
  private async embedSecond(faces: AlignedFace[]): Promise<Float32Array[]> {
    const { session } = this.second!;
    const descriptors: Float32Array[] = [];
    for (const face of faces) {
      const results = await session.run({ t0: new ort.Tensor('float32', face.tensor, [1, 3, OMZ_REID_INPUT.side, OMZ_REID_INPUT.side]) });
      descriptors.push(l2Normalise(Float32Array.from(results.t186!.data as Float32Array)));
    }
    return descriptors;
  }

  /** Each face's descriptor: fr_feature's, or both models' in one fused vector. */
  private async describe(pixels: Uint8Array, width: number, height: number, detections: RawDetection[], aligned: AlignedFace[], once: boolean): Promise<Float32Array[]> {
    const first = await this.embed(aligned, this.mirrorAverage && !once);
    if (!this.second) return first;
    const second = await this.embedSecond(detections.map((d) => alignFace(pixels, width, height, d.landmarks, OMZ_REID_INPUT)));
    return first.map((d, i) => fusedDescriptor([d, second[i]!], this.second!.fusion));
  }

  async analyze(task: AnalyzeTask): Promise<AnalyzeResult> {
    const { pixels, width, height } = task;
    const source = task.detection ?? { pixels, width, height };
    const scale = width / source.width;
    const detections = (await this.detect(source.pixels, source.width, source.height)).map((d) => toPhotoCoordinates(d, scale));
    const aligned = detections.map((d) => alignFace(pixels, width, height, d.landmarks));
    const boxes = detections.map((d) => {
      const x = Math.max(0, Math.round(d.x));
      const y = Math.max(0, Math.round(d.y));
      return { x, y, width: Math.min(width, Math.round(d.x + d.width)) - x, height: Math.min(height, Math.round(d.y + d.height)) - y };
    });
    // A face a camera already follows is measured, not described (knownFaces.ts).
    const knownAs = task.known ? matchKnownFaces(detections.map((d, i) => ({ box: boxes[i]!, weight: faceWeight(d.score, Math.round(d.width)) })), task.known) : [];
    const toDescribe = detections.flatMap((_, i) => (knownAs[i] === undefined ? [i] : []));
    const described = await this.describe(pixels, width, height, toDescribe.map((i) => detections[i]!), toDescribe.map((i) => aligned[i]!), task.describeOnce === true);
    const descriptors = new Map(toDescribe.map((i, k) => [i, described[k]!]));
    const faces: DetectedFace[] = detections.map((d, i) => {
      return {
        box: boxes[i]!,
        landmarks: d.landmarks.map((p) => ({ x: Math.round(p.x * 10) / 10, y: Math.round(p.y * 10) / 10 })),
        descriptor: descriptors.get(i) ?? new Float32Array(0),
        ...(knownAs[i] === undefined ? {} : { knownAs: knownAs[i] }),
        measures: {
          detectionScore: d.score,
          sizePx: Math.round(d.width),
          sharpness: laplacianVariance(aligned[i]!.grey, ALIGNED_SIDE),
          brightness: meanOf(aligned[i]!.grey),
          pose: estimatePoseFromFivePoints(d.landmarks),
        },
      };
    });
    return { faces };
  }
}

/** A square planar (3 × side × side) face tensor mirrored left to right: the aligned face seen in a mirror. */
export function mirroredTensor(tensor: Float32Array, side: number): Float32Array {
  const out = new Float32Array(tensor.length);
  for (let row = 0; row < tensor.length; row += side) {
    for (let x = 0; x < side; x++) out[row + x] = tensor[row + side - 1 - x]!;
  }
  return out;
}

/** a += b, element by element; returns a. */
function addInto(a: Float32Array, b: Float32Array): Float32Array {
  for (let i = 0; i < a.length; i++) a[i] = a[i]! + b[i]!;
  return a;
}

function toPhotoCoordinates(d: RawDetection, scale: number): RawDetection {
  if (scale === 1) return d;
  return {
    x: d.x * scale,
    y: d.y * scale,
    width: d.width * scale,
    height: d.height * scale,
    score: d.score,
    landmarks: d.landmarks.map((p) => ({ x: p.x * scale, y: p.y * scale })),
  };
}
