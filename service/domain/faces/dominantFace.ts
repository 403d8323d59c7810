import type { AnalyzedImage } from '../../../models/facePipeline.js';
import type { DetectedFace } from '../../../models/types.js';
import { multipleFaces, noFace } from '../errors.js';

/**
 * Which face an enrollment photo is of. A photo of a member often shows others too: half a face
 * cut by the photo's edge, a passer-by far behind, a detection in the pattern of a shirt. Only
 * faces that could be the photo's subject count against it:
 * - a face whose box touches the photo's border and is cut short (narrower than a whole face's
 *   box) is not the subject, whatever its size;
 * - a face the detector is far less sure of than the best face is background;
 * then, among the faces left, the one that dominates (size weighed by how central it is) is the
 * subject only when it clearly does, or when a photo of two was framed on it (its face is on the
 * photo's centre, where the other is not, and it is not much smaller); two comparable faces
 * neither of which is on the centre are a real two-person photo, three or more a group photo.
 */

/** A face the detector scores this far below the best face's score does not count. */
const BACKGROUND_SCORE_GAP = 0.15;
/** A face box touching the border and narrower (width / height) than this is cut short. */
const CUT_ASPECT = 0.62;
/** Within this share of the photo's shorter side (at least 2 px) of an edge is touching it. */
const EDGE_SHARE = 0.02;
/** The subject's weight (area × centrality) must be at least this many times every other counted face's. */
const DOMINANCE = 2;
/** A face framed on the photo's centre is its subject unless another counted face is larger than this many times its area. */
const FRAMED_MAX_OTHER_AREA = 1.5;

const area = (face: DetectedFace): number => face.box.width * face.box.height;

/** Whether the face's box touches a border of the photo. */
function touchesBorder(face: DetectedFace, width: number, height: number): boolean {
  const { x, y, width: w, height: h } = face.box;
  const EDGE_PX = Math.max(2, EDGE_SHARE * Math.min(width, height));
  return x <= EDGE_PX || y <= EDGE_PX || x + w >= width - EDGE_PX || y + h >= height - EDGE_PX;
}

/**
 * A face cut by the photo's edge: its box touches a border and is cut short (or cut off at the
 * top or bottom) — or it touches a border and is not the photo's largest face (the detector's box
 * was clipped: the face goes on outside the photo). The largest face of a tight portrait touches
 * the border too, and stays the subject.
 */
export function cutByBorder(face: DetectedFace, image: Pick<AnalyzedImage, 'width' | 'height' | 'faces'>): boolean {
  if (!touchesBorder(face, image.width, image.height)) return false;
  const aspect = face.box.width / Math.max(1, face.box.height);
  return aspect < CUT_ASPECT || 1 / aspect < CUT_ASPECT || image.faces.some((other) => area(other) > area(face));
}

/** 1 at the photo's centre, falling to 0.25 at a corner: a subject is framed, a bystander is at the side. */
function centrality(face: DetectedFace, width: number, height: number): number {
  const dx = (face.box.x + face.box.width / 2 - width / 2) / (width / 2);
  const dy = (face.box.y + face.box.height / 2 - height / 2) / (height / 2);
  return 1 - 0.75 * Math.min(1, Math.hypot(dx, dy) / Math.SQRT2);
}

export interface FaceSeen {
  box: DetectedFace['box'];
  detectionScore: number;
  /** Why it did not count, or `counted`. */
  verdict: 'counted' | 'cut_by_border' | 'background';
}

/** How the rule saw each face of the photo (MULTIPLE_FACES gives it, bench:quality counts it). */
export function facesSeen(image: AnalyzedImage): FaceSeen[] {
  const cut = image.faces.map((f) => cutByBorder(f, image));
  const uncut = image.faces.filter((_, i) => !cut[i]);
  const best = Math.max(...(uncut.length > 0 ? uncut : image.faces).map((f) => f.measures.detectionScore));
  return image.faces.map((face, i) => ({
    box: face.box,
    detectionScore: Number(face.measures.detectionScore.toFixed(3)),
    verdict: cut[i] ? 'cut_by_border' : face.measures.detectionScore < best - BACKGROUND_SCORE_GAP ? 'background' : 'counted',
  }));
}

/** The one face an enrollment photo is of, or the reason there is none (MULTIPLE_FACES says which faces it saw). */
export function dominantFace(image: AnalyzedImage): DetectedFace {
  if (image.faces.length === 0) throw noFace();
  const seen = facesSeen(image);
  const counted = image.faces.filter((_, i) => seen[i]!.verdict === 'counted');
  // Only faces cut by the border: the largest of them, left to the quality gate.
  if (counted.length === 0) return image.faces[0]!;
  const weight = (face: DetectedFace) => area(face) * centrality(face, image.width, image.height);
  const [subject, ...others] = [...counted].sort((a, b) => weight(b) - weight(a));
  if (others.every((other) => weight(subject!) >= DOMINANCE * weight(other))) return subject!;
  const framed = framedSubject(counted, image.width, image.height);
  if (framed) return framed;
  throw multipleFaces({ faces: seen });
}

/**
 * The face a photo of two was framed on: the one of the two counted faces whose box holds the
 * photo's centre, the other not more than FRAMED_MAX_OTHER_AREA times its area (a larger face
 * beside it may be the one meant). A desk photo of a member centres the member; a bystander beside
 * them is not on the centre. Three or more comparable faces are a group photo, whoever is in the
 * middle.
 */
function framedSubject(counted: DetectedFace[], width: number, height: number): DetectedFace | undefined {
  if (counted.length !== 2) return undefined;
  const [cx, cy] = [width / 2, height / 2];
  const onCentre = counted.filter(({ box }) => box.x <= cx && cx <= box.x + box.width && box.y <= cy && cy <= box.y + box.height);
  if (onCentre.length !== 1) return undefined;
  const subject = onCentre[0]!;
  return counted.every((other) => area(other) <= FRAMED_MAX_OTHER_AREA * area(subject)) ? subject : undefined;
}
