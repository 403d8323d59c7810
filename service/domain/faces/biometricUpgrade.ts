import type { Logger } from 'pino';
import { photoContentType } from '../../blob/blobStore.js';
import { withTransaction, type Pool } from '../../db/pool.js';
import type { FaceTemplateRepository } from '../../repositories/faceTemplateRepository.js';

const BATCH = 200;

/**
 * The upgrade to sealed biometrics (README "Privacy"): descriptors and photos an older version
 * stored in the clear are sealed under their member's key, a batch per transaction, while the
 * service runs (reads open either form meanwhile). Replicas share the work (locked rows are
 * skipped); a pass cut short is finished by the next. The old bytes linger in PostgreSQL's dead
 * tuples until VACUUM, and in backups taken before: those age out with the backups.
 */
export class BiometricUpgrade {
  constructor(
    private readonly deps: {
      pool: Pool;
      templates: FaceTemplateRepository;
      /** Seals a stored photo in place; false when it already was or is gone. */
      photos: { sealInPlace(key: string, contentType: string): Promise<boolean> };
      logger: Logger;
    },
  ) {}

  /** Seals everything left in the clear; returns how many templates it touched. */
  async run(): Promise<{ templates: number; photos: number }> {
    let templates = 0;
    let photos = 0;
    for (;;) {
      const done = await withTransaction(this.deps.pool, async (tx) => {
        const batch = await this.deps.templates.lockUnsealed(BATCH, tx);
        for (const template of batch) {
          if (template.photoKey && !template.photoSealed && (await this.deps.photos.sealInPlace(template.photoKey, photoContentType(template.photoKey)))) photos += 1;
          await this.deps.templates.markSealed(template, tx);
        }
        return batch.length;
      });
      templates += done;
      if (done < BATCH) break;
    }
    if (templates > 0) this.deps.logger.info({ templates, photos }, 'sealed biometric data an older version stored in the clear');
    return { templates, photos };
  }
}
