import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FacePipeline } from '../../../models/facePipeline.js';
import { FACE_MODELS } from '../../../models/faceModels.js';
import { composeFrame, demoPhoto, PERSON_A, PERSON_B, STRANGERS } from '../../testSupport/facePhotos.js';
import { dominantFace, facesSeen } from './dominantFace.js';

/**
 * The dominant-face rule on real photos through the real detector: cuts of the demo group photos
 * (people the models were not tuned on) and faces composed on a backdrop. Each case is one the
 * old rule (any second face half the largest's area) refused.
 */
let pipeline: FacePipeline;
beforeAll(async () => {
  pipeline = new FacePipeline({ model: FACE_MODELS['yunet-fr512'], threads: 1, decodeLimits: { maxPixels: 40_000_000, maxSidePx: 4096 } });
  await pipeline.start();
});
afterAll(async () => {
  await pipeline.close();
});

const area = (box: { width: number; height: number }) => box.width * box.height;
const centreX = (box: { x: number; width: number }) => box.x + box.width / 2;

describe('the dominant face of an enrollment photo', () => {
  it('sets aside half a face cut by the photo edge, and enrolls the person in front', async () => {
    // Group photo 6 cut around the second woman from the right: her neighbour's face is halved by the edge.
    const photo = await sharp(demoPhoto(6)).extract({ left: 1000, top: 100, width: 600, height: 560 }).jpeg().toBuffer();
    const image = await pipeline.analyze(photo);
    expect(image.faces.length).toBe(2);
    const [subject, cut] = [...image.faces].sort((a, b) => area(b.box) - area(a.box));
    expect(area(cut!.box)).toBeGreaterThanOrEqual(0.5 * area(subject!.box)); // the old rule refused this photo
    expect(facesSeen(image).find((f) => f.box === cut!.box)?.verdict).toBe('cut_by_border');
    expect(dominantFace(image)).toBe(subject);
  });

  it('enrolls the central person with a bystander of comparable size at the side', async () => {
    const photo = await composeFrame([
      { face: PERSON_A, width: 420, left: 430, top: 120 },
      { face: STRANGERS[1]!, width: 330, left: 40, top: 260 },
    ]);
    const image = await pipeline.analyze(photo);
    expect(image.faces.length).toBe(2);
    const [first, second] = image.faces;
    expect(area(second!.box)).toBeGreaterThanOrEqual(0.5 * area(first!.box));
    expect(centreX(dominantFace(image).box)).toBeGreaterThan(430);
  });

  it('enrolls the person in front of a small face in the background', async () => {
    const photo = await composeFrame([
      { face: PERSON_A, width: 420, left: 430, top: 120 },
      { face: STRANGERS[0]!, width: 200, left: 1000, top: 100, blur: 1.5 },
    ]);
    const image = await pipeline.analyze(photo);
    expect(image.faces.length).toBe(2);
    expect(centreX(dominantFace(image).box)).toBeLessThan(1000);
  });

  it('enrolls the face the photo is framed on, with a face of the same size close beside it', async () => {
    // How LFW frames its people: the subject on the photo's centre, someone as large beside them
    // (the weight rule alone finds neither dominant: the neighbour is too close to the centre).
    const photo = await composeFrame([
      { face: PERSON_A, width: 400, left: 440, top: 90 },
      { face: STRANGERS[0]!, width: 400, left: 850, top: 90 },
    ]);
    const image = await pipeline.analyze(photo);
    expect(image.faces.length).toBe(2);
    expect(facesSeen(image).map((f) => f.verdict)).toEqual(['counted', 'counted']);
    const subject = dominantFace(image);
    expect(subject.box.x).toBeLessThan(640);
    expect(subject.box.x + subject.box.width).toBeGreaterThan(640);
    // The same two faces with the photo's centre between them: a real two-person photo.
    const apart = await pipeline.analyze(
      await composeFrame([
        { face: PERSON_A, width: 400, left: 160, top: 90 },
        { face: STRANGERS[0]!, width: 400, left: 720, top: 90 },
      ]),
    );
    expect(() => dominantFace(apart)).toThrow(expect.objectContaining({ code: 'MULTIPLE_FACES' }));
  });

  it('refuses a real two-person photo, saying which faces it saw', async () => {
    const photo = await composeFrame([
      { face: PERSON_A, width: 400, left: 180, top: 140 },
      { face: PERSON_B, width: 400, left: 700, top: 140 },
    ]);
    const image = await pipeline.analyze(photo);
    let refusal: unknown;
    try {
      dominantFace(image);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toMatchObject({ code: 'MULTIPLE_FACES', details: { faces: [{ verdict: 'counted' }, { verdict: 'counted' }] } });
  });

  it('refuses a group photo, and a photo without a face', async () => {
    expect(() => dominantFace({ format: 'jpeg', width: 100, height: 100, faces: [] })).toThrow(expect.objectContaining({ code: 'NO_FACE' }));
    const group = await pipeline.analyze(await sharp(demoPhoto(4)).jpeg().toBuffer());
    expect(() => dominantFace(group)).toThrow(expect.objectContaining({ code: 'MULTIPLE_FACES' }));
  });
});
