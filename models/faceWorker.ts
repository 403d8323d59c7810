/**
 * Worker-thread side of the face pipeline (run by piscina, one model copy per thread):
 * detect (SSD MobileNetV1) → 68 landmarks → aligned 128-d descriptor, plus the raw quality
 * measures of every face. Everything here is CPU-heavy and never runs on the event loop.
 */
import { faceApiModelDir, loadFaceApi } from './backend.js';
import { estimatePose, greyPatch, laplacianVariance, meanOf } from './quality.js';
import type { AnalyzeResult, AnalyzeTask, DetectedFace, ModelInfo } from './types.js';

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

const ready = loadModels();

export async function info(): Promise<ModelInfo> {
  const { backend, version } = await ready;
  return { name: 'face-api/faceRecognitionNet', version, backend };
}

/**
 * SSD MobileNetV1 misses faces that fill most of a tightly cropped photo (a kiosk close-up, LFW's
 * 250×250 crops: 7% of them). When a pass finds nothing, a second pass runs on the photo with a
 * black border of this fraction of its longest side on every edge, which finds nearly all of them.
 */
const FALLBACK_PAD_FRACTION = 0.5;

type Tensor3D = import('@vladmandic/face-api').tf.Tensor3D;

export async function analyze(task: AnalyzeTask): Promise<AnalyzeResult> {
  const { faceapi } = await ready;
  const tf = faceapi.tf as unknown as typeof import('@tensorflow/tfjs');
  const started = performance.now();
  const { pixels, width, height } = task;
  const options = new faceapi.SsdMobilenetv1Options({ minConfidence: MIN_DETECTION_CONFIDENCE, maxResults: MAX_FACES_PER_IMAGE });
  const detect = (input: Tensor3D) => faceapi.detectAllFaces(input, options).withFaceLandmarks().withFaceDescriptors();
  const input = tf.tensor3d(pixels, [height, width, 3], 'int32') as unknown as Tensor3D;
  try {
    let offset = 0;
    let results = await detect(input);
    if (results.length === 0) {
      offset = Math.round(Math.max(width, height) * FALLBACK_PAD_FRACTION);
      const padded = tf.pad(input as unknown as import('@tensorflow/tfjs').Tensor3D, [[offset, offset], [offset, offset], [0, 0]]);
      try {
        results = await detect(padded as unknown as Tensor3D);
      } finally {
        padded.dispose();
      }
    }
    const faces: DetectedFace[] = results.map((r) => {
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
        descriptor: r.descriptor,
        measures: {
          detectionScore: r.detection.score,
          sizePx: Math.round(b.width),
          sharpness: laplacianVariance(patch),
          brightness: meanOf(patch),
          pose: estimatePose(r.landmarks.positions),
        },
      };
    });
    return { faces, inferenceMs: performance.now() - started };
  } finally {
    input.dispose();
  }
}
