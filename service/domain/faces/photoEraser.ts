import type { Logger } from 'pino';
import type { BlobStore } from '../../blob/blobStore.js';
import type { PendingBlobDeletionRepository } from '../../repositories/pendingBlobDeletionRepository.js';

/**
 * Erases photos whose deletion a transaction has already committed (a row in
 * pending_blob_deletions). A failure leaves the row, and the periodic sweep retries it, so a
 * purge that reached Postgres always reaches the blob store too.
 */
export class PhotoEraser {
  constructor(
    private readonly blobs: BlobStore,
    private readonly pending: PendingBlobDeletionRepository,
    private readonly logger: Logger,
    /**
     * The sweeper leaves younger entries alone: an enrollment records its photo's erasure before
     * writing the photo and cancels it when its row commits, so a young entry may be one in flight.
     */
    private readonly graceSeconds = 0,
  ) {}

  /** Erases one key, or every key under a prefix ending in '/'; undefined when deferred. */
  async erase(keyOrPrefix: string): Promise<number | undefined> {
    try {
      const count = keyOrPrefix.endsWith('/')
        ? await this.blobs.deletePrefix(keyOrPrefix)
        : Number(await this.blobs.delete(keyOrPrefix));
      await this.pending.remove(keyOrPrefix);
      return count;
    } catch (error) {
      this.logger.warn({ err: error, prefix: keyOrPrefix }, 'photo erasure deferred to the sweeper');
      return undefined;
    }
  }

  /**
   * Retries every pending erasure once. Each is done under its entry's row lock, so an enrollment
   * whose photo is being swept (one slower than the grace period) learns of it when it cancels
   * the entry, instead of committing a template whose photo is gone.
   */
  async sweep(): Promise<void> {
    for (const prefix of await this.pending.list(100, this.graceSeconds)) {
      try {
        await this.pending.eraseClaimed(prefix, this.graceSeconds, () =>
          prefix.endsWith('/') ? this.blobs.deletePrefix(prefix) : this.blobs.delete(prefix),
        );
      } catch (error) {
        this.logger.warn({ err: error, prefix }, 'photo erasure failed; the next sweep retries it');
      }
    }
  }
}
