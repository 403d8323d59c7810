import type { Box, Point } from '../types.js';
import { faceApiModelDir, loadFaceApi, type FaceApi } from '../faceapi/backend.js';

type Tensor3D = import('@vladmandic/face-api').tf.Tensor3D;
type Tf = typeof import('@tensorflow/tfjs');

/** face-api's 68-point landmark net, loaded on the first challenge frame this worker sees. */
let landmarkNet: Promise<FaceApi> | undefined;

async function loadLandmarkNet(): Promise<FaceApi> {
  const { faceapi } = await loadFaceApi();
  if (!faceapi.nets.faceLandmark68Net.isLoaded) await faceapi.nets.faceLandmark68Net.loadFromDisk(faceApiModelDir());
  return faceapi;
}

const distance = (a: Point, b: Point) => Math.hypot(a.x - b.x, a.y - b.y);

/** Eye aspect ratio of one eye's six points (p1 … p6 around it): its height over its width. */
function aspectRatio(eye: Point[]): number {
  const [p1, p2, p3, p4, p5, p6] = eye as [Point, Point, Point, Point, Point, Point];
  return (distance(p2, p6) + distance(p3, p5)) / (2 * distance(p1, p4));
}

/**
 * How open the eyes are, as the mean eye aspect ratio of both eyes from face-api's 68 landmarks on
 * the face crop (≈ 0.25–0.35 open, below ≈ 0.15 shut). For blinks in a challenge session, where
 * the five detector points cannot tell an open eye from a shut one.
 */
export async function eyeOpenness(rgb: Uint8Array, width: number, height: number, box: Box): Promise<number> {
  const faceapi = await (landmarkNet ??= loadLandmarkNet());
  const tf = faceapi.tf as unknown as Tf;
  // A square crop around the face box, inside the image: the net reads a square.
  const side = Math.round(Math.min(Math.max(box.width, box.height) * 1.1, width, height));
  const left = Math.round(Math.min(Math.max(box.x + box.width / 2 - side / 2, 0), width - side));
  const top = Math.round(Math.min(Math.max(box.y + box.height / 2 - side / 2, 0), height - side));
  const crop = new Uint8Array(side * side * 3);
  for (let y = 0; y < side; y++) crop.set(rgb.subarray(((top + y) * width + left) * 3, ((top + y) * width + left + side) * 3), y * side * 3);
  const input = tf.tensor3d(crop, [side, side, 3], 'int32') as unknown as Tensor3D;
  try {
    const landmarks = await faceapi.nets.faceLandmark68Net.detectLandmarks(input);
    const points = (Array.isArray(landmarks) ? landmarks[0]! : landmarks).positions;
    return (aspectRatio(points.slice(36, 42)) + aspectRatio(points.slice(42, 48))) / 2;
  } finally {
    input.dispose();
  }
}
