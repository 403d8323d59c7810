/**
 * The image formats Visage accepts: the one list the decoder, the uploads, the photo store, the
 * API description and the import command read.
 */
export const IMAGE_FORMATS = {
  jpeg: { mediaType: 'image/jpeg', extensions: ['jpg', 'jpeg'] },
  png: { mediaType: 'image/png', extensions: ['png'] },
  webp: { mediaType: 'image/webp', extensions: ['webp'] },
} as const;

export type ImageFormat = keyof typeof IMAGE_FORMATS;

export const IMAGE_CONTENT_TYPES: string[] = Object.values(IMAGE_FORMATS).map((format) => format.mediaType);

/** "JPEG, PNG or WebP", for messages. */
export const IMAGE_FORMAT_NAMES = 'JPEG, PNG or WebP';

export const isImageFormat = (format: string | undefined): format is ImageFormat => format !== undefined && Object.hasOwn(IMAGE_FORMATS, format);

/** The format a file name's extension says (case-insensitive), if it is one of these. */
export function imageFormatOfFileName(name: string): ImageFormat | undefined {
  const extension = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
  return (Object.keys(IMAGE_FORMATS) as ImageFormat[]).find((format) => (IMAGE_FORMATS[format].extensions as readonly string[]).includes(extension));
}
