import busboy from 'busboy';
import express, { type Request, type RequestHandler } from 'express';
import { IMAGE_CONTENT_TYPES } from '../../models/imageFormats.js';
import { bodyTooLarge, invalidRequest, unsupportedMediaType, type HttpError } from './httpErrors.js';

export interface ImageUpload {
  image: Buffer;
  /** Plain text fields of a multipart upload (e.g. memberId for verify). */
  fields: Record<string, string>;
}

/** Reads raw image bodies into req.body as a Buffer, up to `maxBytes`. */
export function rawImageParser(maxBytes: number): RequestHandler {
  return express.raw({ type: IMAGE_CONTENT_TYPES, limit: maxBytes });
}

function readMultipart(req: Request, maxBytes: number): Promise<ImageUpload> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { files: 1, fileSize: maxBytes, fields: 20, fieldSize: 4096, parts: 25 } });
    } catch {
      reject(invalidRequest('malformed multipart/form-data request'));
      return;
    }
    const fields: Record<string, string> = {};
    let image: Buffer | undefined;
    let failure: HttpError | undefined;
    parser.on('file', (name, stream) => {
      if (name !== 'image') {
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => {
        failure = bodyTooLarge(`the image is larger than ${maxBytes} bytes`);
      });
      stream.on('end', () => {
        image = Buffer.concat(chunks);
      });
    });
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('filesLimit', () => {
      failure ??= invalidRequest('send exactly one file, in the field "image"');
    });
    parser.on('error', () => reject(invalidRequest('malformed multipart/form-data body')));
    parser.on('close', () => {
      if (failure) reject(failure);
      else if (!image) reject(invalidRequest('the multipart body has no file field "image"'));
      else resolve({ image, fields });
    });
    req.pipe(parser);
  });
}

/**
 * The image of an upload request: raw bytes (already read by rawImageParser) or a multipart
 * form with a file field `image`. The declared type only routes the body; the decoder sniffs
 * the real format from the bytes.
 */
export async function readImageUpload(req: Request, maxBytes: number): Promise<ImageUpload> {
  if (req.is('multipart/form-data')) return readMultipart(req, maxBytes);
  if (req.is(IMAGE_CONTENT_TYPES) && Buffer.isBuffer(req.body)) return { image: req.body, fields: {} };
  throw unsupportedMediaType(`send the photo as ${IMAGE_CONTENT_TYPES.join(', ')} or multipart/form-data with a field "image"`);
}
