import type { Logger } from 'pino';
import type { FaceIndex } from '../../../index/faceIndex.js';
import type { FacePipeline } from '../../../models/facePipeline.js';
import { judgeQuality, type QualityPolicy } from './quality.js';
import type { BlobStore } from '../../blob/blobStore.js';
import { withTransaction, type Pool } from '../../db/pool.js';
import { ImageError } from '../../../models/errors.js';
import { DomainError, modelsLoading, PHOTO_FAULTS, photoStoreUnavailable } from '../errors.js';
import type { FaceTemplateRepository } from '../../repositories/faceTemplateRepository.js';
import type { ReindexRepository } from '../../repositories/reindexRepository.js';
import type { MemberRepository } from '../../repositories/memberRepository.js';
import { dominantFace } from './dominantFace.js';
import type { ServedIndex } from '../recognition/servedIndex.js';
import { qualityView } from './faceView.js';

export interface ReindexReport {
  model: { name: string; version: string };
  /** Templates recomputed by this run. */
  reindexed: number;
  /** Templates that cannot be recomputed: kept without a photo (STORE_ENROLLMENT_PHOTOS=false, visitors). */
  withoutPhoto: { count: number; faceIds: string[] };
  /** Templates whose photo no longer gives a face (or is gone), with the reason. */
  failed: { faceId: string; memberId: string; reason: string }[];
  /** Templates of other models still without a successor (including the two groups above). */
  remaining: number;
  /** Pass as `after` to go on where this run stopped; null when it reached the end. */
  next: number | null;
}

const PAGE = 100;
const REPORTED_IDS = 1000;

/**
 * Re-indexing after a descriptor-model change, without downtime: each template of another model
 * is recomputed from its stored photo into a new template of the current model beside it (the
 * change log carries it to the replicas that run the current model; replicas still on the old
 * model keep serving the old templates). `prune` removes the old ones once every replica runs the
 * new model.
 */
export class ReindexService {
  constructor(
    private readonly deps: {
      pool: Pool;
      pipeline: FacePipeline;
      index: FaceIndex;
      blobs: BlobStore;
      members: MemberRepository;
      templates: FaceTemplateRepository;
      reindex: ReindexRepository;
      enrollPolicy: QualityPolicy;
      /** Whether this replica holds a member (a replica serving some malls holds only their regulars). */
      served: Pick<ServedIndex, 'holds'>;
      logger: Logger;
    },
  ) {}

  private model() {
    const info = this.deps.pipeline.modelInfo;
    if (!info) throw modelsLoading();
    return { name: info.name, version: info.version };
  }

  /**
   * Tries up to `limit` templates (in label order, after the label `after`); call again with
   * `next` until it is null.
   */
  async run(limit: number, after = -1): Promise<ReindexReport> {
    const model = this.model();
    const report: ReindexReport = { model, reindexed: 0, withoutPhoto: { count: 0, faceIds: [] }, failed: [], remaining: 0, next: null };
    let position = after;
    outer: for (;;) {
      const page = await this.deps.reindex.stale(model, position, PAGE);
      if (page.length === 0) break;
      for (const stale of page) {
        if (!stale.photoKey) {
          position = stale.label;
          report.withoutPhoto.count += 1;
          if (report.withoutPhoto.faceIds.length < REPORTED_IDS) report.withoutPhoto.faceIds.push(stale.id);
          continue;
        }
        if (report.reindexed + report.failed.length >= limit) {
          report.next = position;
          break outer;
        }
        position = stale.label;
        const outcome = await this.recompute(stale.id, stale.memberId, stale.photoKey);
        if (outcome === 'done') report.reindexed += 1;
        else if (outcome !== 'gone') report.failed.push({ faceId: stale.id, memberId: stale.memberId, reason: outcome });
      }
    }
    report.remaining = await this.deps.reindex.countStale(model);
    this.deps.logger.info({ reindexed: report.reindexed, failed: report.failed.length, withoutPhoto: report.withoutPhoto.count, remaining: report.remaining }, 're-index run');
    return report;
  }

  /** 'done', 'gone' (deleted meanwhile), or why the photo gave no template. */
  private async recompute(templateId: string, memberId: string, photoKey: string): Promise<string> {
    let bytes: Buffer | undefined;
    try {
      bytes = await this.deps.blobs.get(photoKey);
    } catch {
      throw photoStoreUnavailable();
    }
    if (!bytes) return 'PHOTO_MISSING';
    let face;
    try {
      face = dominantFace(await this.deps.pipeline.analyze(bytes, { lane: 'enroll' }));
    } catch (error) {
      if (error instanceof ImageError) return `IMAGE_${error.reason.toUpperCase()}`;
      if (error instanceof DomainError && PHOTO_FAULTS.has(error.code)) return error.code;
      throw error;
    }
    const quality = qualityView(face.measures, judgeQuality(face.measures, this.deps.enrollPolicy));
    const model = this.model();
    const created = await withTransaction(this.deps.pool, async (tx) => {
      if (!(await this.deps.members.lockForUpdate(memberId, tx))) return undefined;
      if (!(await this.deps.reindex.exists(templateId, tx))) return undefined;
      return this.deps.templates.insert(
        { id: crypto.randomUUID(), memberId, descriptor: face.descriptor, modelName: model.name, modelVersion: model.version, box: face.box, quality, photoKey, reindexedFrom: templateId },
        tx,
      );
    });
    if (!created) return 'gone';
    if (this.deps.served.holds(memberId)) this.deps.index.add({ label: created.label, templateId: created.id, memberId }, face.descriptor);
    return 'done';
  }

  /** Deletes the old-model templates that have a successor; returns how many. */
  async prune(): Promise<{ pruned: number }> {
    return { pruned: await this.deps.reindex.pruneSucceeded(this.model()) };
  }
}
