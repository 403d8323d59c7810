import type { Box } from '../types.js';

/** The MiniFASNet input side: crops are resized to 80×80. */
export const ANTI_SPOOF_SIDE = 80;

/**
 * The context crop a MiniFASNet model judges: the face box enlarged `scale` times around its
 * centre — the scale capped so the crop fits the image, the crop shifted inside the image where it
 * crosses an edge — as the models were trained (Silent-Face-Anti-Spoofing's `_get_new_box`). The
 * models look at what surrounds the face (screen edges, paper borders, moiré): a tight crop makes
 * them useless.
 */
export function contextBox(face: Box, imageWidth: number, imageHeight: number, scale: number): Box {
  const s = Math.min((imageHeight - 1) / face.height, (imageWidth - 1) / face.width, scale);
  const width = face.width * s;
  const height = face.height * s;
  const centreX = face.x + face.width / 2;
  const centreY = face.y + face.height / 2;
  let left = centreX - width / 2;
  let top = centreY - height / 2;
  let right = centreX + width / 2;
  let bottom = centreY + height / 2;
  if (left < 0) {
    right -= left;
    left = 0;
  }
  if (top < 0) {
    bottom -= top;
    top = 0;
  }
  if (right > imageWidth - 1) {
    left -= right - imageWidth + 1;
    right = imageWidth - 1;
  }
  if (bottom > imageHeight - 1) {
    top -= bottom - imageHeight + 1;
    bottom = imageHeight - 1;
  }
  return { x: Math.trunc(left), y: Math.trunc(top), width: Math.trunc(right) - Math.trunc(left) + 1, height: Math.trunc(bottom) - Math.trunc(top) + 1 };
}

/**
 * The crop resized to 80×80 (bilinear, as OpenCV's default resize) into the models' input: planar
 * BGR, 0..255, no normalisation.
 */
export function antiSpoofInput(rgb: Uint8Array, width: number, height: number, crop: Box): Float32Array {
  const side = ANTI_SPOOF_SIDE;
  const plane = side * side;
  const out = new Float32Array(3 * plane);
  // Source columns and weights, once per output column (pixel centres aligned as OpenCV does:
  // src = (dst + 0.5) * scale - 0.5, clamped to the crop).
  const x0s = new Int32Array(side);
  const x1s = new Int32Array(side);
  const fxs = new Float32Array(side);
  for (let x = 0; x < side; x++) {
    const sx = Math.min(Math.max((x + 0.5) * (crop.width / side) - 0.5, 0), crop.width - 1) + crop.x;
    x0s[x] = Math.min(Math.floor(sx), width - 1);
    x1s[x] = Math.min(x0s[x]! + 1, width - 1);
    fxs[x] = sx - x0s[x]!;
  }
  for (let y = 0; y < side; y++) {
    const sy = Math.min(Math.max((y + 0.5) * (crop.height / side) - 0.5, 0), crop.height - 1) + crop.y;
    const y0 = Math.min(Math.floor(sy), height - 1);
    const row0 = y0 * width;
    const row1 = Math.min(y0 + 1, height - 1) * width;
    const fy = sy - y0;
    for (let x = 0; x < side; x++) {
      const a = (row0 + x0s[x]!) * 3;
      const b = (row0 + x1s[x]!) * 3;
      const c = (row1 + x0s[x]!) * 3;
      const d = (row1 + x1s[x]!) * 3;
      const fx = fxs[x]!;
      const w00 = (1 - fx) * (1 - fy);
      const w01 = fx * (1 - fy);
      const w10 = (1 - fx) * fy;
      const w11 = fx * fy;
      const at = y * side + x;
      for (let channel = 0; channel < 3; channel++) {
        // RGB in, BGR planes out.
        out[(2 - channel) * plane + at] = rgb[a + channel]! * w00 + rgb[b + channel]! * w01 + rgb[c + channel]! * w10 + rgb[d + channel]! * w11;
      }
    }
  }
  return out;
}
