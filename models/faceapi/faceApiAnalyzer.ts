/**
 * The project card's face model (FACE_MODEL=faceapi), run inside a worker thread:
 * detect (SSD MobileNetV1) → 68 landmarks → 128-d descriptor, plus the raw quality
 * measures of every face. Everything here is CPU-heavy and never runs on the event loop.
 */
import { FACE_MODELS } from '../faceModels.js';
import { faceApiModelDir, loadFaceApi } from './backend.js';
import { estimatePose, greyPatch, laplacianVariance, meanOf } from '../quality.js';
import type { FaceApi } from './backend.js';
import type { Rect } from '@vladmandic/face-api';
import type { AnalyzeResult, AnalyzeTask, DetectedFace } from '../types.js';

// Low enough to find the tightly cropped faces of LFW-style photos; the quality policies then
// ask enrollment for a higher score.
const MIN_DETECTION_CONFIDENCE = 0.3;
const MAX_FACES_PER_IMAGE = 50;

async function loadModels() {
  const loaded = await loadFaceApi();
  const { faceapi } = loaded;
  const dir = faceApiModelDir();
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(dir);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(dir);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(dir);
  // Warm-up: the first call of each net compiles its kernels, which would otherwise land on the
  // first real request. Run all three once on blank input.
  const tf = faceapi.tf as unknown as typeof import('@tensorflow/tfjs');
  const blank = tf.zeros([160, 160, 3]) as unknown as import('@vladmandic/face-api').tf.Tensor3D;
  await faceapi.detectAllFaces(blank, new faceapi.SsdMobilenetv1Options({ minConfidence: 0.99 }));
  const landmarks = await faceapi.nets.faceLandmark68Net.detectLandmarks(blank);
  const descriptor = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(blank);
  void landmarks;
  void descriptor;
  blank.dispose();
  return loaded;
}

/** Loads and warms face-api; returns the TensorFlow.js backend it runs on. */
export async function loadFaceApiAnalyzer(): Promise<{ backend: string; analyze: (task: AnalyzeTask) => Promise<AnalyzeResult> }> {
  const loaded = await loadModels();
  const expected = FACE_MODELS.faceapi.version;
  if (loaded.version !== expected) {
    throw new Error(`face-api reports version ${loaded.version}, its package.json ${expected}: templates would be mislabelled`);
  }
  return { backend: loaded.backend, analyze: (task) => analyze(loaded.faceapi, task) };
}

/**
 * SSD MobileNetV1 misses, or barely sees, faces that fill most of a tightly cropped photo (a kiosk
 * close-up, LFW's 250×250 crops: 7% found nothing). When a pass finds nothing, or nothing above
 * RETRY_BELOW_SCORE, a second pass runs on the photo with a black border of this fraction of its
 * longest side on every edge, and the pass with the more confident best face wins.
 */
const FALLBACK_PAD_FRACTION = 0.5;
const RETRY_BELOW_SCORE = 0.6;

type Tensor3D = import('@vladmandic/face-api').tf.Tensor3D;
type Tf = typeof import('@tensorflow/tfjs');

/**
 * Descriptors of all the faces of a photo in one batch through the recognition network. Each face
 * is described twice, as photographed and mirrored, and the two averaged: on LFW View 1 that
 * raised DevTest pairs recognised at the 1:N operating point (FMR ≈ 1e-6) from 26.2% to 31.0%
 * and 1:1 accuracy from 98.30% to 98.40%, for 8% more time (README, "Thresholds").
 */
async function describeFaces(faceapi: FaceApi, photo: Tensor3D, boxes: Rect[]): Promise<Float32Array[]> {
  if (boxes.length === 0) return [];
  const tf = faceapi.tf as unknown as Tf;
  const crops = await faceapi.extractFaceTensors(photo, boxes);
  const mirrored = crops.map((crop) => tf.reverse(crop as unknown as import('@tensorflow/tfjs').Tensor3D, 1) as unknown as Tensor3D);
  try {
    const out = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor([...crops, ...mirrored]);
    const all = Array.isArray(out) ? out : [out];
    return boxes.map((_, i) => {
      const direct = all[i]!;
      const flipped = all[i + boxes.length]!;
      return Float32Array.from(direct, (v, k) => (v + flipped[k]!) / 2);
    });
  } finally {
    for (const tensor of [...crops, ...mirrored]) tensor.dispose();
  }
}

const pad = (tf: Tf, image: Tensor3D, by: number): Tensor3D =>
  tf.pad(image as unknown as import('@tensorflow/tfjs').Tensor3D, [[by, by], [by, by], [0, 0]]) as unknown as Tensor3D;

async function analyze(faceapi: FaceApi, task: AnalyzeTask): Promise<AnalyzeResult> {
  const tf = faceapi.tf as unknown as Tf;
  const { pixels, width, height } = task;
  const options = new faceapi.SsdMobilenetv1Options({ minConfidence: MIN_DETECTION_CONFIDENCE, maxResults: MAX_FACES_PER_IMAGE });
  const detect = (input: Tensor3D) => faceapi.detectAllFaces(input, options).withFaceLandmarks();
  const input = tf.tensor3d(pixels, [height, width, 3], 'int32') as unknown as Tensor3D;
  // `source` is the photo the faces were found on: the input, or the input with a border.
  let source = input;
  try {
    let offset = 0;
    let results = await detect(input);
    const bestScore = (found: typeof results) => Math.max(0, ...found.map((r) => r.detection.score));
    if (bestScore(results) < RETRY_BELOW_SCORE) {
      const border = Math.round(Math.max(width, height) * FALLBACK_PAD_FRACTION);
      const padded = pad(tf, input, border);
      const retry = await detect(padded);
      if (bestScore(retry) > bestScore(results)) {
        results = retry;
        source = padded;
        offset = border;
      } else {
        padded.dispose();
      }
    }
    // Faces are cut out by face-api's dlib-style alignment box around the landmarks.
    const descriptors = await describeFaces(faceapi, source, results.map((r) => r.landmarks.align(null, { useDlibAlignment: true })));
    const faces: DetectedFace[] = results.map((r, i) => {
      const b = r.detection.box;
      const x = Math.max(0, Math.round(b.x - offset));
      const y = Math.max(0, Math.round(b.y - offset));
      const box = {
        x,
        y,
        width: Math.min(width, Math.round(b.x - offset + b.width)) - x,
        height: Math.min(height, Math.round(b.y - offset + b.height)) - y,
      };
      const patch = greyPatch(pixels, width, height, box);
      return {
        box,
        descriptor: descriptors[i]!,
        measures: {
          detectionScore: r.detection.score,
          sizePx: Math.round(b.width),
          sharpness: laplacianVariance(patch),
          brightness: meanOf(patch),
          pose: estimatePose(r.landmarks.positions),
        },
      };
    });
    return { faces };
  } finally {
    if (source !== input) source.dispose();
    input.dispose();
  }
}
