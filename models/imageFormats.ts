/** The image formats Visage accepts, with their media types: the one list every layer reads. */
export const IMAGE_MEDIA_TYPES = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
} as const;

export type ImageFormat = keyof typeof IMAGE_MEDIA_TYPES;

export const IMAGE_FORMATS = Object.keys(IMAGE_MEDIA_TYPES) as ImageFormat[];
export const IMAGE_CONTENT_TYPES: string[] = Object.values(IMAGE_MEDIA_TYPES);

/** "JPEG, PNG or WebP", for messages. */
export const IMAGE_FORMAT_NAMES = 'JPEG, PNG or WebP';

export const isImageFormat = (format: string | undefined): format is ImageFormat => format !== undefined && format in IMAGE_MEDIA_TYPES;
