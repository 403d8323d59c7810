import type { Point } from '../types.js';

/**
 * YuNet (libfacedetection.train, 2023mar weights) input preparation and output decoding: pure
 * arithmetic, kept apart from ONNX Runtime so that it can be tested on made-up tensors.
 *
 * Input: float32 NCHW, BGR, 0..255, no normalisation, H and W multiples of 32 (padded bottom and
 * right). Outputs per stride s ∈ {8, 16, 32}: `cls_s` and `obj_s` (score = √(cls·obj)),
 * `bbox_s` (anchor-free offsets on the s-grid: centre offset in cells, log size in cells) and
 * `kps_s` (5 points, offsets in cells; the eye on the image's left first, as the 112×112
 * alignment template expects).
 */

export const YUNET_STRIDES = [8, 16, 32] as const;


export interface RawDetection {
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
  /** Left eye, right eye, nose tip, left mouth corner, right mouth corner (as seen in the image). */
  landmarks: Point[];
}

const padTo32 = (n: number): number => Math.ceil(n / 32) * 32;

/** The padded network input of an RGB image (row-major, 3 bytes a pixel). */
export function yunetInput(rgb: Uint8Array, width: number, height: number): { data: Float32Array; paddedWidth: number; paddedHeight: number } {
  const paddedWidth = padTo32(width);
  const paddedHeight = padTo32(height);
  const plane = paddedWidth * paddedHeight;
  const data = new Float32Array(3 * plane); // the padding stays 0 (black)
  for (let y = 0; y < height; y++) {
    const row = y * paddedWidth;
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const o = row + x;
      data[o] = rgb[i + 2]!; // B
      data[plane + o] = rgb[i + 1]!; // G
      data[2 * plane + o] = rgb[i]!; // R
    }
  }
  return { data, paddedWidth, paddedHeight };
}

/** The four outputs of one stride, as flat arrays (one entry, or 4 or 10 values, per grid cell). */
export interface StrideOutputs {
  cls: Float32Array;
  obj: Float32Array;
  bbox: Float32Array;
  kps: Float32Array;
}

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

/** Candidate faces above `minScore` from every stride, in padded-input coordinates. */
export function decodeYunet(outputs: ReadonlyMap<number, StrideOutputs>, paddedWidth: number, paddedHeight: number, minScore: number): RawDetection[] {
  const found: RawDetection[] = [];
  for (const stride of YUNET_STRIDES) {
    const out = outputs.get(stride);
    if (!out) throw new Error(`YuNet output for stride ${stride} is missing`);
    const cols = paddedWidth / stride;
    const rows = paddedHeight / stride;
    if (out.cls.length !== cols * rows) throw new Error(`YuNet stride ${stride}: ${out.cls.length} cells, expected ${cols * rows}`);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        const score = Math.sqrt(clamp01(out.cls[i]!) * clamp01(out.obj[i]!));
        if (score < minScore) continue;
        const cx = (c + out.bbox[i * 4]!) * stride;
        const cy = (r + out.bbox[i * 4 + 1]!) * stride;
        const width = Math.exp(out.bbox[i * 4 + 2]!) * stride;
        const height = Math.exp(out.bbox[i * 4 + 3]!) * stride;
        const landmarks: Point[] = [];
        for (let k = 0; k < 5; k++) {
          landmarks.push({ x: (c + out.kps[i * 10 + 2 * k]!) * stride, y: (r + out.kps[i * 10 + 2 * k + 1]!) * stride });
        }
        found.push({ x: cx - width / 2, y: cy - height / 2, width, height, score, landmarks });
      }
    }
  }
  return found;
}

function iou(a: RawDetection, b: RawDetection): number {
  const x1 = Math.max(a.x, b.x);
  const y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.width, b.x + b.width);
  const y2 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a.width * a.height + b.width * b.height - inter;
  return union <= 0 ? 0 : inter / union;
}

/** Greedy non-maximum suppression: the best-scoring box of each overlapping group survives. */
export function nonMaximumSuppression(detections: RawDetection[], maxOverlap: number, maxFaces: number): RawDetection[] {
  const sorted = [...detections].sort((a, b) => b.score - a.score);
  const kept: RawDetection[] = [];
  for (const candidate of sorted) {
    if (kept.length >= maxFaces) break;
    if (kept.every((k) => iou(k, candidate) <= maxOverlap)) kept.push(candidate);
  }
  return kept;
}
