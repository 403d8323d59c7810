import type { Box, Point, Pose } from './types.js';

/**
 * Quality of one face, measured: pure pixel and landmark arithmetic, run in the worker threads.
 * Judging the measures (limits that differ between enrollment and identification) is the
 * domain's: service/domain/faces/quality.ts.
 */

export type { Point };

const PATCH_SIDE = 64;

/**
 * Samples the face box of an RGB image into a PATCH_SIDE² grey patch (bilinear), so that
 * sharpness and brightness do not depend on how large the face is in the photo.
 */
export function greyPatch(pixels: Uint8Array, width: number, height: number, box: Box): Float32Array {
  const patch = new Float32Array(PATCH_SIDE * PATCH_SIDE);
  const x0 = Math.max(0, box.x);
  const y0 = Math.max(0, box.y);
  const x1 = Math.min(width - 1, box.x + box.width);
  const y1 = Math.min(height - 1, box.y + box.height);
  const stepX = (x1 - x0) / (PATCH_SIDE - 1);
  const stepY = (y1 - y0) / (PATCH_SIDE - 1);
  const luma = (x: number, y: number): number => {
    const i = (y * width + x) * 3;
    return 0.299 * pixels[i]! + 0.587 * pixels[i + 1]! + 0.114 * pixels[i + 2]!;
  };
  for (let py = 0; py < PATCH_SIDE; py++) {
    const fy = y0 + py * stepY;
    const iy = Math.min(Math.floor(fy), height - 2);
    const dy = fy - iy;
    for (let px = 0; px < PATCH_SIDE; px++) {
      const fx = x0 + px * stepX;
      const ix = Math.min(Math.floor(fx), width - 2);
      const dx = fx - ix;
      const top = luma(ix, iy) * (1 - dx) + luma(ix + 1, iy) * dx;
      const bottom = luma(ix, iy + 1) * (1 - dx) + luma(ix + 1, iy + 1) * dx;
      patch[py * PATCH_SIDE + px] = top * (1 - dy) + bottom * dy;
    }
  }
  return patch;
}

/** Variance of the 4-neighbour Laplacian over a square grey patch: the usual focus measure. */
export function laplacianVariance(patch: Float32Array, side = PATCH_SIDE): number {
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let y = 1; y < side - 1; y++) {
    for (let x = 1; x < side - 1; x++) {
      const c = patch[y * side + x]!;
      const lap =
        patch[(y - 1) * side + x]! + patch[(y + 1) * side + x]! + patch[y * side + x - 1]! + patch[y * side + x + 1]! - 4 * c;
      sum += lap;
      sumSq += lap * lap;
      n++;
    }
  }
  const mean = sum / n;
  return sumSq / n - mean * mean;
}

export function meanOf(values: Float32Array): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

function centroid(points: Point[]): Point {
  const sum = points.reduce((acc, p) => ({ x: acc.x + p.x, y: acc.y + p.y }), { x: 0, y: 0 });
  return { x: sum.x / points.length, y: sum.y / points.length };
}

const toDeg = (rad: number): number => (rad * 180) / Math.PI;
const clampUnit = (v: number): number => Math.max(-1, Math.min(1, v));

/**
 * The roll of the eye line, and a map into the frame where that line is level with the eyes'
 * midpoint at the origin: yaw and pitch are read there, whatever the head's tilt.
 */
function eyeLineFrame(leftEye: Point, rightEye: Point): { roll: number; unroll: (p: Point) => Point } {
  const roll = Math.atan2(rightEye.y - leftEye.y, rightEye.x - leftEye.x);
  const origin = centroid([leftEye, rightEye]);
  const cos = Math.cos(-roll);
  const sin = Math.sin(-roll);
  const unroll = (p: Point): Point => ({
    x: (p.x - origin.x) * cos - (p.y - origin.y) * sin,
    y: (p.x - origin.x) * sin + (p.y - origin.y) * cos,
  });
  return { roll, unroll };
}

/**
 * Coarse head pose from the 68-point (iBUG) landmarks. Roll is the angle of the eye line; yaw and
 * pitch come from where the nose tip sits between the jaw ends and between the eye line and the
 * mouth, after undoing the roll. Good enough to reject profile and strongly tilted faces, which
 * is all it is used for.
 */
export function estimatePose(landmarks: Point[]): Pose {
  if (landmarks.length !== 68) throw new Error(`expected 68 landmarks, got ${landmarks.length}`);
  const leftEye = centroid(landmarks.slice(36, 42));
  const rightEye = centroid(landmarks.slice(42, 48));
  const { roll, unroll } = eyeLineFrame(leftEye, rightEye);
  const jawLeft = unroll(landmarks[0]!);
  const jawRight = unroll(landmarks[16]!);
  const noseTip = unroll(landmarks[30]!);
  const mouth = unroll(centroid(landmarks.slice(48, 68)));

  const jawHalfWidth = Math.max(1e-6, (jawRight.x - jawLeft.x) / 2);
  const jawMid = (jawLeft.x + jawRight.x) / 2;
  const yaw = Math.asin(clampUnit((noseTip.x - jawMid) / jawHalfWidth));

  // On a frontal face the nose tip sits a little over half-way from the eye line to the mouth.
  const FRONTAL_NOSE_RATIO = 0.58;
  const eyeToMouth = Math.max(1e-6, mouth.y);
  const pitch = Math.asin(clampUnit((noseTip.y / eyeToMouth - FRONTAL_NOSE_RATIO) * 2));
  return { yawDeg: toDeg(yaw), pitchDeg: toDeg(pitch), rollDeg: toDeg(roll) };
}

/**
 * Coarse head pose from the detector's 5 points (left eye, right eye, nose tip, left and right
 * mouth corner, as seen in the image). Roll is the angle of the eye line. After undoing it, yaw
 * comes from how far the nose tip sits beside the midline of the eyes and mouth corners, in half
 * eye distances (a nose ≈ 0.9 half eye distances in front of the eye plane: offset = 0.9·tan yaw),
 * and pitch from where it sits between the eye line and the mouth line (0.49 of the way on the
 * frontal ArcFace template). Enough to reject profile and strongly tilted faces.
 */
export function estimatePoseFromFivePoints(points: readonly Point[]): Pose {
  if (points.length !== 5) throw new Error(`expected 5 landmarks, got ${points.length}`);
  const [leftEye, rightEye, nose, mouthLeft, mouthRight] = points as [Point, Point, Point, Point, Point];
  const { roll, unroll } = eyeLineFrame(leftEye, rightEye);
  const [le, re, n, ml, mr] = [leftEye, rightEye, nose, mouthLeft, mouthRight].map(unroll) as [Point, Point, Point, Point, Point];
  const halfEye = Math.max(1e-6, (re.x - le.x) / 2);
  const midline = (le.x + re.x + ml.x + mr.x) / 4;
  const yaw = Math.atan((n.x - midline) / halfEye / NOSE_DEPTH_IN_HALF_EYES);
  const mouthY = Math.max(1e-6, (ml.y + mr.y) / 2);
  const pitch = Math.asin(clampUnit((n.y / mouthY - FRONTAL_NOSE_HEIGHT) * 2));
  return { yawDeg: toDeg(yaw), pitchDeg: toDeg(pitch), rollDeg: toDeg(roll) };
}

const NOSE_DEPTH_IN_HALF_EYES = 0.9;
const FRONTAL_NOSE_HEIGHT = 0.49;
