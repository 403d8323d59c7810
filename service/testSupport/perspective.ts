import sharp from 'sharp';
import type { Point } from '../../models/types.js';
import { homography } from '../../models/liveness/homography.js';

/**
 * A photo held up in front of a camera and tilted: the photo's corners land on `corners` (top left,
 * top right, bottom left, bottom right, in pixels of a `width`×`height` grey frame), the pixels in
 * between placed by the one perspective transform that does that — as a flat print moved in 3D
 * projects. JPEG out.
 */
export async function photoHeldUp(photo: Buffer, corners: Point[], width = 640, height = 480): Promise<Buffer> {
  const { data, info } = await sharp(photo).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const source = [
    { x: 0, y: 0 },
    { x: info.width - 1, y: 0 },
    { x: 0, y: info.height - 1 },
    { x: info.width - 1, y: info.height - 1 },
  ];
  const back = homography(corners, source)!;
  const out = Buffer.alloc(width * height * 3, 128);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const { x: sx, y: sy } = back({ x, y });
      if (sx < 0 || sy < 0 || sx > info.width - 1 || sy > info.height - 1) continue;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const x1 = Math.min(x0 + 1, info.width - 1);
      const y1 = Math.min(y0 + 1, info.height - 1);
      const fx = sx - x0;
      const fy = sy - y0;
      for (let c = 0; c < 3; c++) {
        const at = (yy: number, xx: number) => data[(yy * info.width + xx) * 3 + c]!;
        out[(y * width + x) * 3 + c] = Math.round((at(y0, x0) * (1 - fx) + at(y0, x1) * fx) * (1 - fy) + (at(y1, x0) * (1 - fx) + at(y1, x1) * fx) * fy);
      }
    }
  }
  return sharp(out, { raw: { width, height, channels: 3 } }).jpeg({ quality: 92 }).toBuffer();
}

/** The corners of a photo `side` px wide centred in the frame, slanted by `shear` (its bottom pushed sideways) and tilted by `keystone`. */
export function tiltedCorners(side: number, shear: number, keystone: number, width = 640, height = 480): Point[] {
  const [cx, cy, h] = [width / 2, height / 2, side / 2];
  return [
    { x: cx - h - shear * h, y: cy - h + keystone * h },
    { x: cx + h - shear * h, y: cy - h - keystone * h },
    { x: cx - h + shear * h, y: cy + h - keystone * h },
    { x: cx + h + shear * h, y: cy + h + keystone * h },
  ];
}
