/**
 * Faces a caller already follows (a camera's tracks), so that the worker need not describe them
 * again: a descriptor costs both embedders (≈ 20 ms a face for the fused model), while the
 * detector already says where each face is. A face of a frame is "known" when it is on the spot
 * of exactly one followed face (its centre within KNOWN_FACE_SHIFT of that face's width of where
 * it was, its size within KNOWN_FACE_SCALE) and no other face of the frame is on that spot (two
 * people close together are described as usual), and it is no better a face than the caller
 * still wants (`minWeight`: a track decided wants none; an undecided one wants a face better than
 * the worst of its best faces). A face that moved further is described.
 */
import type { Box } from './types.js';

export interface KnownFace {
  /** Where the followed face was last seen, in the photo's pixels. */
  box: Box;
  /** A face here weighing more than this (faceWeight) is described all the same; Infinity: never. */
  minWeight: number;
}

/**
 * How far (in face widths) a followed face's centre may have moved and still be on its spot: a
 * face walking across a 4 fps stream moves half to one width a frame (a dropped frame, more), and
 * people side by side are further apart than that (shoulders are about 2.5 face widths).
 */
export const KNOWN_FACE_SHIFT = 1;
/** How much its width may have changed (either way: 0.75 to 1/0.75). */
export const KNOWN_FACE_SCALE = 0.75;

/** How much a face may tell (detector score × how large it is, 0..1): the best faces speak for a track. */
export const faceWeight = (detectionScore: number, sizePx: number): number => detectionScore * Math.min(1, sizePx / 112);

/** The centre of a face's box. */
export const boxCentre = (box: Box): { x: number; y: number } => ({ x: box.x + box.width / 2, y: box.y + box.height / 2 });

/** Whether a face is on the spot where a followed face was (KNOWN_FACE_SHIFT, KNOWN_FACE_SCALE). */
export function onSameSpot(face: Box, was: Box): boolean {
  const scale = face.width / Math.max(1, was.width);
  if (scale < KNOWN_FACE_SCALE || scale > 1 / KNOWN_FACE_SCALE) return false;
  const [now, before] = [boxCentre(face), boxCentre(was)];
  return Math.hypot(now.x - before.x, now.y - before.y) <= KNOWN_FACE_SHIFT * was.width;
}

/**
 * For each face of a frame (its box and weight), the index of the known face it is, or undefined
 * when it must be described: no known face on its spot, more than one, another face of the frame
 * on the same known face's spot, or a face better than the known one still wants.
 */
export function matchKnownFaces(faces: readonly { box: Box; weight: number }[], known: readonly KnownFace[]): (number | undefined)[] {
  const overlaps = faces.map((face) => known.flatMap((k, index) => (onSameSpot(face.box, k.box) ? [index] : [])));
  const claims = new Map<number, number>();
  for (const indices of overlaps) for (const index of indices) claims.set(index, (claims.get(index) ?? 0) + 1);
  return faces.map((face, i) => {
    const indices = overlaps[i]!;
    if (indices.length !== 1) return undefined;
    const index = indices[0]!;
    return claims.get(index) === 1 && face.weight <= known[index]!.minWeight ? index : undefined;
  });
}
