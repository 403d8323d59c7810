import { LRUCache } from 'lru-cache';
import type { CameraRepository } from '../../repositories/cameraRepository.js';
import { DEFAULT_MALL } from '../recognition/mallPartitions.js';

/** A camera moved to another mall is seen there within this. */
const CACHE_TTL_MS = 30_000;

/**
 * The mall each camera belongs to, for every frame: a registered camera's own mall, else the mall
 * of the key that pushed the frame, else the default mall. Cached briefly (a frame must not cost a
 * query).
 */
export class CameraMalls {
  private readonly cache = new LRUCache<string, { mallId: string | null }>({ max: 10_000, ttl: CACHE_TTL_MS });

  constructor(private readonly cameras: Pick<CameraRepository, 'mallOf'>) {}

  async mallOf(cameraId: string, keyMallId?: string | null): Promise<string> {
    let known = this.cache.get(cameraId);
    if (!known) {
      known = { mallId: (await this.cameras.mallOf(cameraId)) ?? null };
      this.cache.set(cameraId, known);
    }
    return known.mallId ?? keyMallId ?? DEFAULT_MALL;
  }
}
