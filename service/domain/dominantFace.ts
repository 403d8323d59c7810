import type { AnalyzedImage } from '../../models/facePipeline.js';
import type { DetectedFace } from '../../models/types.js';
import { AppError } from '../errors.js';

/** A second face at least this fraction of the largest one's area means "no single dominant face". */
const DOMINANT_FACE_AREA_RATIO = 0.5;

const area = (face: DetectedFace): number => face.box.width * face.box.height;

/** The one face an enrollment photo is of (faces come largest first), or the reason there is none. */
export function dominantFace(image: AnalyzedImage): DetectedFace {
  const [largest, second] = image.faces;
  if (!largest) throw new AppError('NO_FACE', 'no face was found in the photo');
  if (second && area(second) >= DOMINANT_FACE_AREA_RATIO * area(largest)) {
    throw new AppError('MULTIPLE_FACES', 'the photo has several faces of similar size; send a photo of one person', {
      faces: image.faces.length,
    });
  }
  return largest;
}
