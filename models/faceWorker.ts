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

export async function analyze(task: AnalyzeTask): Promise<AnalyzeResult> {
  const { faceapi } = await ready;
  const started = performance.now();
  const { pixels, width, height } = task;
  const input = faceapi.tf.tensor3d(pixels, [height, width, 3], 'int32');
  try {
    const results = await faceapi
      .detectAllFaces(input, new faceapi.SsdMobilenetv1Options({ minConfidence: MIN_DETECTION_CONFIDENCE, maxResults: MAX_FACES_PER_IMAGE }))
      .withFaceLandmarks()
      .withFaceDescriptors();
    const faces: DetectedFace[] = results.map((r) => {
      const b = r.detection.box;
      const box = { x: Math.round(b.x), y: Math.round(b.y), width: Math.round(b.width), height: Math.round(b.height) };
      const patch = greyPatch(pixels, width, height, box);
      return {
        box,
        descriptor: r.descriptor,
        measures: {
          detectionScore: r.detection.score,
          sizePx: box.width,
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
