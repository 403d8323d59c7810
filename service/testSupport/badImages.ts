import { deflateSync } from 'node:zlib';
import sharp from 'sharp';

/** Hand-made image files for bad-input tests. */

function crc32(bytes: Buffer): number {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * A decompression bomb: a PNG of a few hundred bytes that declares `width`×`height` pixels
 * (its rows compress to almost nothing).
 */
export function pngBomb(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale, no interlace
  const rows = deflateSync(Buffer.alloc((width + 1) * 16)); // only the first rows: still enough to be a valid stream start
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', header), pngChunk('IDAT', rows), pngChunk('IEND', Buffer.alloc(0))]);
}

/** A two-frame animated GIF. */
export function animatedGif(): Promise<Buffer> {
  const frames = Buffer.concat([Buffer.alloc(32 * 32 * 3, 40), Buffer.alloc(32 * 32 * 3, 200)]);
  return sharp(frames, { raw: { width: 32, height: 64, channels: 3, pageHeight: 32 } }).gif({ loop: 0 }).toBuffer();
}

/** A two-frame animated WebP whose first frame is `first`. */
export async function animatedWebp(first: Buffer): Promise<Buffer> {
  const { data, info } = await sharp(first).resize(200, 200).raw().toBuffer({ resolveWithObject: true });
  const frames = Buffer.concat([data, Buffer.alloc(data.length, 128)]);
  return sharp(frames, { raw: { width: info.width, height: info.height * 2, channels: info.channels, pageHeight: info.height } })
    .webp({ loop: 0 })
    .toBuffer();
}

export const tiff = (): Promise<Buffer> => sharp({ create: { width: 64, height: 64, channels: 3, background: '#888' } }).tiff().toBuffer();

export const blankJpeg = (): Promise<Buffer> =>
  sharp({ create: { width: 400, height: 300, channels: 3, background: { r: 90, g: 140, b: 200 } } }).jpeg().toBuffer();

export const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');
