import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import type { Box } from '../../models/types.js';

/**
 * Test photos cut from the group photos that @vladmandic/face-api ships in demo/ (people the
 * models were not tuned on). Boxes are where the detector finds each face.
 */
const demoDir = path.join(path.dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo');

export const demoPhoto = (n: number): string => path.join(demoDir, `sample${n}.jpg`);

export interface DemoFace {
  sample: number;
  box: Box;
}

/** Person A: sample 1, the woman on the left. */
export const PERSON_A: DemoFace = { sample: 1, box: { x: 414, y: 355, width: 177, height: 240 } };
/** Person B: sample 6, the woman second from right. */
export const PERSON_B: DemoFace = { sample: 6, box: { x: 1180, y: 305, width: 188, height: 280 } };
/** Strangers, never enrolled by the tests. */
export const STRANGERS: DemoFace[] = [
  { sample: 3, box: { x: 585, y: 329, width: 199, height: 271 } },
  { sample: 5, box: { x: 1113, y: 198, width: 158, height: 236 } },
  { sample: 4, box: { x: 664, y: 53, width: 187, height: 258 } },
];

export interface CropOptions {
  /** Margin around the face box, as a fraction of its size on each side. */
  margin?: number;
  /** Output width in pixels. */
  width?: number;
  quality?: number;
  format?: 'jpeg' | 'png' | 'webp';
}

/** A head-and-shoulders crop of one demo face, resized and re-encoded. */
export async function cropFace(face: DemoFace, options: CropOptions = {}): Promise<Buffer> {
  const { margin = 0.6, width = 300, quality = 90, format = 'jpeg' } = options;
  const image = sharp(demoPhoto(face.sample));
  const meta = await image.metadata();
  const left = Math.max(0, Math.round(face.box.x - face.box.width * margin));
  const top = Math.max(0, Math.round(face.box.y - face.box.height * margin));
  const right = Math.min(meta.width, Math.round(face.box.x + face.box.width * (1 + margin)));
  const bottom = Math.min(meta.height, Math.round(face.box.y + face.box.height * (1 + margin)));
  return image
    .extract({ left, top, width: right - left, height: bottom - top })
    .resize({ width })
    .toFormat(format, { quality })
    .toBuffer();
}

export interface FramePlacement {
  face: DemoFace;
  /** Width of the head-and-shoulders crop in the frame, pixels. */
  width: number;
  left: number;
  top: number;
  /** Gaussian blur sigma applied to this face (simulates motion or focus blur). */
  blur?: number;
}

/** A camera frame: demo faces placed on a plain background, as a JPEG. */
export async function composeFrame(placements: FramePlacement[], size = { width: 1280, height: 720 }): Promise<Buffer> {
  const layers = await Promise.all(
    placements.map(async ({ face, width, left, top, blur }) => {
      let crop = await cropFace(face, { width, margin: 0.5, format: 'png' });
      if (blur) crop = await sharp(crop).blur(blur).png().toBuffer();
      return { input: crop, left, top };
    }),
  );
  return sharp({ create: { width: size.width, height: size.height, channels: 3, background: { r: 118, g: 112, b: 104 } } })
    .composite(layers)
    .jpeg({ quality: 90 })
    .toBuffer();
}
