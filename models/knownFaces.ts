/**
 * Faces a caller already follows (a camera's tracks), so that the worker need not describe them
 * again: a descriptor costs both embedders (≈ 20 ms a face for the fused model), while the
 * detector already says where each face is. A face of a frame is "known" when its box overlaps
 * exactly one followed face's last box by KNOWN_FACE_IOU and no other face of the frame overlaps
 * that one as much (two people crossing are described as usual), and it is no better a face than
 * the caller still wants (`minWeight`: a track decided wants none; an undecided one wants a face
 * better than the worst of its best faces).
 */
import type { Box } from './types.js';

export interface KnownFace {
  /** Where the followed face was last seen, in the photo's pixels. */
  box: Box;
  /** A face here weighing more than this (faceWeight) is described all the same; Infinity: never. */
  minWeight: number;
}

/** Boxes overlapping this much (intersection over union) are the same face a quarter-second later. */
export const KNOWN_FACE_IOU = 0.5;

/** How much a face may tell (detector score × how large it is, 0..1): the best faces speak for a track. */
export const faceWeight = (detectionScore: number, sizePx: number): number => detectionScore * Math.min(1, sizePx / 112);

export function intersectionOverUnion(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const overlap = w * h;
  return overlap / (a.width * a.height + b.width * b.height - overlap);
}

/**
 * For each face of a frame (its box and weight), the index of the known face it is, or undefined
 * when it must be described: no known face there, more than one, one another face of the frame
 * also overlaps, or a face better than the known one still wants.
 */
export function matchKnownFaces(faces: readonly { box: Box; weight: number }[], known: readonly KnownFace[]): (number | undefined)[] {
  const overlaps = faces.map((face) => known.flatMap((k, index) => (intersectionOverUnion(face.box, k.box) >= KNOWN_FACE_IOU ? [index] : [])));
  const claims = new Map<number, number>();
  for (const indices of overlaps) for (const index of indices) claims.set(index, (claims.get(index) ?? 0) + 1);
  return faces.map((face, i) => {
    const indices = overlaps[i]!;
    if (indices.length !== 1) return undefined;
    const index = indices[0]!;
    return claims.get(index) === 1 && face.weight <= known[index]!.minWeight ? index : undefined;
  });
}
