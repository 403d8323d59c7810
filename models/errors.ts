/**
 * Errors of the models layer. It knows nothing of HTTP or of the service's error codes: the
 * service maps each reason at its boundary (service/http/errorStatus.ts).
 */
export type ImageErrorReason = 'empty' | 'unreadable' | 'unsupported_format' | 'too_many_pixels' | 'corrupt';

export class ImageError extends Error {
  constructor(
    readonly reason: ImageErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'ImageError';
  }
}
