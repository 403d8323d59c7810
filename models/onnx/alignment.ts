import type { Point } from '../types.js';

/** Side of the aligned face the embedder reads. */
export const ALIGNED_SIDE = 112;

/**
 * Where the 5 points sit on the standard 112×112 ArcFace crop (left and right as seen in the
 * image): left eye, right eye, nose tip, left mouth corner, right mouth corner.
 */
export const ARCFACE_TEMPLATE: readonly Point[] = Object.freeze([
  { x: 38.2946, y: 51.6963 },
  { x: 73.5318, y: 51.5014 },
  { x: 56.0252, y: 71.7366 },
  { x: 41.5493, y: 92.3655 },
  { x: 70.7299, y: 92.2041 },
]);

/**
 * Where the 5 points sit on the 128×128 crop of Intel's face-reidentification-retail-0095 (left
 * and right as seen in the image), from the models README.
 */
export const OMZ_REID_TEMPLATE: readonly Point[] = Object.freeze([
  { x: 40.393, y: 59.082 },
  { x: 87.376, y: 58.859 },
  { x: 64.034, y: 81.985 },
  { x: 44.732, y: 105.561 },
  { x: 83.64, y: 105.376 },
]);

/** What an embedder reads: the side of its square crop, where the 5 points go, how a 0..255 value is scaled. */
export interface EmbedderInput {
  side: number;
  template: readonly Point[];
  normalise: (value: number) => number;
}

/** fr_feature: 112×112 ArcFace crop, BGR, (v − 127) / 128. */
export const FR_FEATURE_INPUT: EmbedderInput = Object.freeze({ side: ALIGNED_SIDE, template: ARCFACE_TEMPLATE, normalise: (v: number) => (v - 127) / 128 });

/** face-reidentification-retail-0095: 128×128 crop, BGR, 0..255 (the scaling is inside the network). */
export const OMZ_REID_INPUT: EmbedderInput = Object.freeze({ side: 128, template: OMZ_REID_TEMPLATE, normalise: (v: number) => v });

/** x' = a·x − b·y + tx, y' = b·x + a·y + ty (rotation, uniform scale, translation). */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

/** The least-squares similarity transform taking `from` onto `to` (no reflection). */
export function similarityTransform(from: readonly Point[], to: readonly Point[]): Similarity {
  const n = from.length;
  if (n !== to.length || n < 2) throw new Error('similarityTransform needs two equally long lists of at least 2 points');
  const mean = (ps: readonly Point[]) => ({ x: ps.reduce((s, p) => s + p.x, 0) / n, y: ps.reduce((s, p) => s + p.y, 0) / n });
  const mf = mean(from);
  const mt = mean(to);
  let norm = 0;
  let dot = 0;
  let cross = 0;
  for (let i = 0; i < n; i++) {
    const px = from[i]!.x - mf.x;
    const py = from[i]!.y - mf.y;
    const qx = to[i]!.x - mt.x;
    const qy = to[i]!.y - mt.y;
    norm += px * px + py * py;
    dot += px * qx + py * qy;
    cross += px * qy - py * qx;
  }
  if (norm === 0) throw new Error('similarityTransform: the source points coincide');
  const a = dot / norm;
  const b = cross / norm;
  return { a, b, tx: mt.x - (a * mf.x - b * mf.y), ty: mt.y - (b * mf.x + a * mf.y) };
}

export function applySimilarity(t: Similarity, p: Point): Point {
  return { x: t.a * p.x - t.b * p.y + t.tx, y: t.b * p.x + t.a * p.y + t.ty };
}

export function invertSimilarity(t: Similarity): Similarity {
  const d = t.a * t.a + t.b * t.b;
  const a = t.a / d;
  const b = -t.b / d;
  return { a, b, tx: -(a * t.tx - b * t.ty), ty: -(b * t.tx + a * t.ty) };
}

export interface AlignedFace {
  /** The embedder's input for this face: BGR planes, normalised as the embedder wants, side² each. */
  tensor: Float32Array;
  /** Luma of the aligned face, 0..255, side² values (for sharpness and brightness). */
  grey: Float32Array;
}

/**
 * Warps the face whose 5 points are `landmarks` (in the RGB image's pixels) onto an embedder's
 * template (fr_feature's 112×112 unless told), sampling the full-resolution pixels bilinearly
 * (outside the image reads black).
 */
export function alignFace(rgb: Uint8Array, width: number, height: number, landmarks: readonly Point[], input: EmbedderInput = FR_FEATURE_INPUT): AlignedFace {
  const inverse = invertSimilarity(similarityTransform(landmarks, input.template));
  const { side, normalise } = input;
  const plane = side * side;
  const tensor = new Float32Array(3 * plane);
  const grey = new Float32Array(plane);
  const sample = new Float32Array(3);
  for (let v = 0; v < side; v++) {
    for (let u = 0; u < side; u++) {
      const sx = inverse.a * u - inverse.b * v + inverse.tx;
      const sy = inverse.b * u + inverse.a * v + inverse.ty;
      bilinear(rgb, width, height, sx, sy, sample);
      const o = v * side + u;
      tensor[o] = normalise(sample[2]!); // B
      tensor[plane + o] = normalise(sample[1]!); // G
      tensor[2 * plane + o] = normalise(sample[0]!); // R
      grey[o] = 0.299 * sample[0]! + 0.587 * sample[1]! + 0.114 * sample[2]!;
    }
  }
  return { tensor, grey };
}

function bilinear(rgb: Uint8Array, width: number, height: number, x: number, y: number, out: Float32Array): void {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const dx = x - x0;
  const dy = y - y0;
  out.fill(0);
  for (let k = 0; k < 4; k++) {
    const px = x0 + (k & 1);
    const py = y0 + (k >> 1);
    if (px < 0 || py < 0 || px >= width || py >= height) continue;
    const w = ((k & 1) ? dx : 1 - dx) * ((k >> 1) ? dy : 1 - dy);
    const i = (py * width + px) * 3;
    out[0] = out[0]! + w * rgb[i]!;
    out[1] = out[1]! + w * rgb[i + 1]!;
    out[2] = out[2]! + w * rgb[i + 2]!;
  }
}
