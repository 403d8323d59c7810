import sharp from 'sharp';
import { ImageError } from './errors.js';
import { IMAGE_FORMAT_NAMES, isImageFormat, type ImageFormat } from './imageFormats.js';

export type { ImageFormat } from './imageFormats.js';

export interface DecodedImage {
  /** RGB, 3 bytes a pixel, row-major. */
  pixels: Uint8Array;
  width: number;
  height: number;
  /** Format sniffed from the bytes (never trusted from Content-Type). */
  format: ImageFormat;
  /** Factor from analysed-image coordinates back to the original photo's (≥ 1). */
  scale: number;
}

export interface DecodeLimits {
  maxPixels: number;
  maxSidePx: number;
}

/**
 * What an upload says it is, checked before anything is decoded: not empty, a readable image of an
 * accepted format (sniffed from the bytes, never trusted from Content-Type), and within the pixel
 * limit (a decompression bomb gets 413 without being decoded). Sizes are as shown (EXIF orientation applied).
 */
async function checkedHeader(bytes: Buffer, maxPixels: number): Promise<{ format: ImageFormat; width: number; height: number }> {
  if (bytes.length === 0) throw new ImageError('empty', 'the image body is empty');
  let format: string | undefined;
  let width: number;
  let height: number;
  try {
    const meta = await sharp(bytes, { limitInputPixels: false, pages: 1 }).metadata();
    format = meta.format;
    width = meta.autoOrient?.width ?? meta.width ?? 0;
    height = meta.autoOrient?.height ?? meta.height ?? 0;
  } catch {
    throw new ImageError('unreadable', 'the body is not a readable image');
  }
  if (!isImageFormat(format)) {
    throw new ImageError('unsupported_format', `image format ${format ?? 'unknown'} is not accepted; send ${IMAGE_FORMAT_NAMES}`);
  }
  if (width * height > maxPixels) {
    throw new ImageError('too_many_pixels', `the image has ${width * height} pixels; at most ${maxPixels} are accepted`);
  }
  return { format, width, height };
}

/**
 * Decodes an upload with sharp (libvips, off the event loop): format sniffed from the bytes,
 * pixel limit against decompression bombs, EXIF orientation applied, only the first frame of an
 * animation, downscaled so that the longest side is at most `maxSidePx`.
 */
export async function decodeImage(bytes: Buffer, limits: DecodeLimits): Promise<DecodedImage> {
  const { format, width, height } = await checkedHeader(bytes, limits.maxPixels);
  const longest = Math.max(width, height);
  const scale = longest > limits.maxSidePx ? longest / limits.maxSidePx : 1;
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: limits.maxPixels, pages: 1, failOn: 'error' })
      .rotate()
      .resize({ width: limits.maxSidePx, height: limits.maxSidePx, fit: 'inside', withoutEnlargement: true })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`unexpected channel count ${info.channels}`);
    return {
      pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
      format,
      scale,
    };
  } catch {
    throw new ImageError('corrupt', 'the image could not be decoded (truncated or corrupt)');
  }
}

/** A copy of decoded pixels resized so that its longest side is `sidePx` (libvips, off the event loop). */
export async function resizedCopy(image: DecodedImage, sidePx: number): Promise<{ pixels: Uint8Array; width: number; height: number }> {
  const { data, info } = await sharp(image.pixels, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize({ width: sidePx, height: sidePx, fit: 'inside' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}

/**
 * The photo as it is kept: orientation applied, re-encoded in its own format without metadata
 * (EXIF can carry GPS positions, device serials and dates: personal data the service has no use for).
 */
export async function withoutMetadata(bytes: Buffer, format: ImageFormat, maxPixels: number): Promise<Buffer> {
  const image = sharp(bytes, { limitInputPixels: maxPixels, pages: 1 }).rotate();
  if (format === 'png') return image.png().toBuffer();
  if (format === 'webp') return image.webp({ quality: 95 }).toBuffer();
  return image.jpeg({ quality: 95, mozjpeg: false }).toBuffer();
}

/**
 * A drawing kept as it is shown (a mall's floor plan): format sniffed and checked, pixel limit
 * against bombs, orientation applied, at most `maxSidePx` on its longest side, re-encoded as PNG
 * without metadata (lines and labels stay sharp).
 */
export async function planImage(bytes: Buffer, limits: DecodeLimits): Promise<{ bytes: Buffer; width: number; height: number }> {
  await checkedHeader(bytes, limits.maxPixels);
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: limits.maxPixels, pages: 1, failOn: 'error' })
      .rotate()
      .resize({ width: limits.maxSidePx, height: limits.maxSidePx, fit: 'inside', withoutEnlargement: true })
      .png()
      .toBuffer({ resolveWithObject: true });
    return { bytes: data, width: info.width, height: info.height };
  } catch {
    throw new ImageError('corrupt', 'the image could not be decoded (truncated or corrupt)');
  }
}
