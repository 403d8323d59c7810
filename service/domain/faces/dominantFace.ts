import type { AnalyzedImage } from '../../../models/facePipeline.js';
import type { DetectedFace } from '../../../models/types.js';
import { multipleFaces, noFace } from '../errors.js';

/** A second face at least this fraction of the largest one's area means "no single dominant face". */
const DOMINANT_FACE_AREA_RATIO = 0.5;

const area = (face: DetectedFace): number => face.box.width * face.box.height;

/** The one face an enrollment photo is of (faces come largest first), or the reason there is none. */
export function dominantFace(image: AnalyzedImage): DetectedFace {
  const [largest, second] = image.faces;
  if (!largest) throw noFace();
  if (second && area(second) >= DOMINANT_FACE_AREA_RATIO * area(largest)) {
    throw multipleFaces({ faces: image.faces.length });
  }
  return largest;
}
