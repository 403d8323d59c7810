import { IMAGE_FORMATS, imageFormatOfFileName, type ImageFormat } from '../../models/imageFormats.js';
/**
 * Where enrollment photos live. The filesystem store is the embedded default; an S3/MinIO
 * implementation plugs in behind the same interface. Keys are relative paths such as
 * `members/<memberId>/faces/<faceId>.jpg`, so a member's photos share one prefix.
 */
export interface BlobStore {
  readonly kind: string;
  put(key: string, bytes: Buffer, contentType: string): Promise<void>;
  get(key: string): Promise<Buffer | undefined>;
  /** Removes one object; returns whether it existed. */
  delete(key: string): Promise<boolean>;
  /** Removes every object under a prefix; returns how many there were. */
  deletePrefix(prefix: string): Promise<number>;
  list(prefix: string): Promise<string[]>;
}

const KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*\/?$/;

/** Keys come from our own ids, but a store must still never step outside its root. */
export function assertSafeKey(key: string): void {
  if (!KEY_PATTERN.test(key) || key.split('/').some((part) => part === '..' || part === '.')) {
    throw new Error(`unsafe blob key: ${JSON.stringify(key)}`);
  }
}

export const memberPhotoPrefix = (memberId: string): string => `members/${memberId}/`;

export const facePhotoKey = (memberId: string, faceId: string, extension: string): string =>
  `${memberPhotoPrefix(memberId)}faces/${faceId}.${extension}`;

/** The key extension a stored photo of this format gets. */
export const photoExtension = (format: ImageFormat): string => IMAGE_FORMATS[format].extensions[0];

/** The content type of a stored photo, from its key's extension. */
export function photoContentType(key: string): string {
  const format = imageFormatOfFileName(key);
  return format ? IMAGE_FORMATS[format].mediaType : 'application/octet-stream';
}
