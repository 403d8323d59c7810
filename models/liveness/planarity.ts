import type { Box, PlanarityReference, Point } from '../types.js';
import { homography } from './homography.js';

/** Side of the grey face patch a challenge session keeps from its first frame (48×48 = 2,304 bytes). */
const PATCH_SIDE = 48;

/** The reference a frame is compared with: the first frame's face patch, where it was, its eyes and mouth corners. */
export type { PlanarityReference } from '../types.js';

const grey = (rgb: Uint8Array, i: number) => 0.299 * rgb[i]! + 0.587 * rgb[i + 1]! + 0.114 * rgb[i + 2]!;

/** The grey value at (x, y), bilinear; NaN outside the image. */
function sample(rgb: Uint8Array, width: number, height: number, x: number, y: number): number {
  if (x < 0 || y < 0 || x > width - 1 || y > height - 1) return Number.NaN;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const x1 = Math.min(x0 + 1, width - 1);
  const y1 = Math.min(y0 + 1, height - 1);
  const fx = x - x0;
  const fy = y - y0;
  const at = (yy: number, xx: number) => grey(rgb, (yy * width + xx) * 3);
  return (at(y0, x0) * (1 - fx) + at(y0, x1) * fx) * (1 - fy) + (at(y1, x0) * (1 - fx) + at(y1, x1) * fx) * fy;
}

/** The square around the face's five points, a little wider than them: cheeks, nose and mouth, little background. */
function faceRegion(landmarks: Point[]): Box {
  const xs = landmarks.map((p) => p.x);
  const ys = landmarks.map((p) => p.y);
  const side = 1.5 * Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
  const cx = (Math.max(...xs) + Math.min(...xs)) / 2;
  const cy = (Math.max(...ys) + Math.min(...ys)) / 2;
  return { x: cx - side / 2, y: cy - side / 2, width: side, height: side };
}

const PLANE = [0, 1, 3, 4];

/** The first frame's reference: its face patch (grey, 48×48) and where its eyes and mouth corners were. */
export function planarityReference(rgb: Uint8Array, width: number, height: number, landmarks: Point[]): PlanarityReference {
  const box = faceRegion(landmarks);
  const patch = new Uint8Array(PATCH_SIDE * PATCH_SIDE);
  for (let v = 0; v < PATCH_SIDE; v++) {
    for (let u = 0; u < PATCH_SIDE; u++) {
      const value = sample(rgb, width, height, box.x + ((u + 0.5) * box.width) / PATCH_SIDE, box.y + ((v + 0.5) * box.height) / PATCH_SIDE);
      patch[v * PATCH_SIDE + u] = Number.isNaN(value) ? 0 : Math.round(value);
    }
  }
  return { patch, box, plane: PLANE.map((i) => landmarks[i]!) };
}

/** Normalised cross-correlation of two equally long samples (NaNs skipped); -1 with too few. */
function ncc(a: Float64Array, b: ArrayLike<number>): number {
  let n = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]!)) continue;
    n++;
    sa += a[i]!;
    sb += b[i]!;
  }
  if (n < a.length / 2) return -1;
  const ma = sa / n;
  const mb = sb / n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]!)) continue;
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    cov += da * db;
    va += da * da;
    vb += db * db;
  }
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : -1;
}

/**
 * How well one perspective transform explains this frame's face from the reference's: the best
 * normalised cross-correlation between the reference patch and the frame warped back onto it, over
 * homographies searched around the one the eyes and mouth corners give (the landmark detector
 * alone is too noisy to tell a tilted print from a head). A flat photo moved in 3D aligns almost
 * perfectly (≈ 0.95 and up); a real head that turned does not (its nose and cheeks are not on one plane).
 */
export function planeAlignment(reference: PlanarityReference, rgb: Uint8Array, width: number, height: number, landmarks: Point[]): number {
  const start = homography(reference.plane, PLANE.map((i) => landmarks[i]!));
  if (!start) return -1;
  const { box } = reference;
  const patchCorners = [
    { x: box.x, y: box.y },
    { x: box.x + box.width, y: box.y },
    { x: box.x, y: box.y + box.height },
    { x: box.x + box.width, y: box.y + box.height },
  ];
  const corners = patchCorners.map(start);
  const grid: Point[] = [];
  for (let v = 0; v < PATCH_SIDE; v++) for (let u = 0; u < PATCH_SIDE; u++) grid.push({ x: box.x + ((u + 0.5) * box.width) / PATCH_SIDE, y: box.y + ((v + 0.5) * box.height) / PATCH_SIDE });
  const warped = new Float64Array(grid.length);
  const score = (candidate: Point[]) => {
    const warp = homography(patchCorners, candidate);
    if (!warp) return -1;
    for (let i = 0; i < grid.length; i++) {
      const p = warp(grid[i]!);
      warped[i] = sample(rgb, width, height, p.x, p.y);
    }
    return ncc(warped, reference.patch);
  };
  let best = score(corners);
  // Coordinate descent on the eight corner coordinates, coarse to fine.
  const scale = Math.hypot(corners[1]!.x - corners[0]!.x, corners[1]!.y - corners[0]!.y) / PATCH_SIDE;
  for (const step of [4, 2, 1, 0.5].map((s) => s * scale)) {
    for (let round = 0; round < 8; round++) {
      let improved = false;
      for (let c = 0; c < 4; c++) {
        for (const axis of ['x', 'y'] as const) {
          for (const sign of [1, -1]) {
            const candidate = corners.map((p) => ({ ...p }));
            candidate[c]![axis] += sign * step;
            const value = score(candidate);
            if (value > best) {
              best = value;
              corners[c] = candidate[c]!;
              improved = true;
            }
          }
        }
      }
      if (!improved) break;
    }
  }
  return best;
}
