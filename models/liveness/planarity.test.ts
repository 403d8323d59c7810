import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LFW_DIR } from '../../benchmarks/lfw.js';
import { cropFace, PERSON_A, PERSON_B } from '../../service/testSupport/facePhotos.js';
import { photoHeldUp, tiltedCorners } from '../../service/testSupport/perspective.js';
import { decodeImage } from '../imageDecoder.js';
import { OnnxFaceAnalyzer } from '../onnx/onnxFaceAnalyzer.js';
import { planarityReference, planeAlignment } from './planarity.js';
import { PLANAR_FIT } from '../../service/domain/liveness/livenessChallenge.js';

/** The plane fit on real detections: a print tilted in 3D against itself, and different photos of one person. */

let analyzer: OnnxFaceAnalyzer;
beforeAll(async () => {
  analyzer = await OnnxFaceAnalyzer.load({ intraOpThreads: 1 });
});

async function face(bytes: Buffer) {
  const image = await decodeImage(bytes, { maxPixels: 40_000_000, maxSidePx: 1920 });
  const [largest] = (await analyzer.analyze({ pixels: image.pixels, width: image.width, height: image.height })).faces.sort((a, b) => b.box.width - a.box.width);
  return { image, landmarks: largest!.landmarks! };
}

describe('plane fit', () => {
  it('fits a print tilted and slanted in front of the camera to itself (≥ PLANAR_FIT)', async () => {
    for (const person of [PERSON_A, PERSON_B]) {
      const photo = await cropFace(person, { width: 360 });
      const first = await face(await photoHeldUp(photo, tiltedCorners(300, 0, 0)));
      const reference = planarityReference(first.image.pixels, first.image.width, first.image.height, first.landmarks);
      for (const [shear, keystone] of [[0.35, -0.15], [-0.35, 0.05], [0, 0.2]] as const) {
        const moved = await face(await photoHeldUp(photo, tiltedCorners(280, shear, keystone)));
        expect(planeAlignment(reference, moved.image.pixels, moved.image.width, moved.image.height, moved.landmarks)).toBeGreaterThanOrEqual(PLANAR_FIT);
      }
    }
  });

  it.skipIf(!fs.existsSync(DEFAULT_LFW_DIR))('does not fit different photos of one person at other head poses (needs ../shared/datasets/lfw-view1)', async () => {
    const dir = path.join(DEFAULT_LFW_DIR, 'Alvaro_Uribe');
    const files = fs.readdirSync(dir).sort().slice(0, 5);
    const first = await face(fs.readFileSync(path.join(dir, files[0]!)));
    const reference = planarityReference(first.image.pixels, first.image.width, first.image.height, first.landmarks);
    for (const file of files.slice(1)) {
      const other = await face(fs.readFileSync(path.join(dir, file)));
      expect(planeAlignment(reference, other.image.pixels, other.image.width, other.image.height, other.landmarks), file).toBeLessThan(PLANAR_FIT);
    }
  });
});
