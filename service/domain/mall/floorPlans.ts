import { planImage } from '../../../models/imageDecoder.js';
import type { FloorPlan, MallRepository } from '../../repositories/mallRepository.js';
import { floorPlanNotFound, mallNotFound } from '../errors.js';
import type { MallScope, MallService } from './malls.js';

/** A plan is drawn at most this large on its longest side: sharp on a wall screen, small in the database. */
const PLAN_MAX_SIDE_PX = 4096;

/**
 * Each mall's floor plan: the image the console draws cameras and trails on. Cameras are placed on
 * it in fractions of its size, so a new plan of the same layout keeps them where they were.
 */
export class FloorPlans {
  constructor(
    private readonly deps: {
      /** The mall, as the caller's key may see it (another mall's is not found). */
      malls: Pick<MallService, 'getMall'>;
      plans: Pick<MallRepository, 'saveFloorPlan' | 'floorPlan'>;
      maxPixels: number;
    },
  ) {}

  /** Sets (replaces) the plan: any accepted image format, kept as PNG without metadata. */
  async save(mallId: string, bytes: Buffer, scope: MallScope): Promise<Omit<FloorPlan, 'image'> & { bytes: number }> {
    await this.deps.malls.getMall(mallId, scope);
    const plan = await planImage(bytes, { maxPixels: this.deps.maxPixels, maxSidePx: PLAN_MAX_SIDE_PX });
    if (!(await this.deps.plans.saveFloorPlan(mallId, { contentType: 'image/png', width: plan.width, height: plan.height, image: plan.bytes }))) throw mallNotFound(mallId);
    return { contentType: 'image/png', width: plan.width, height: plan.height, bytes: plan.bytes.length };
  }

  async get(mallId: string, scope: MallScope): Promise<FloorPlan & { updatedAt: string }> {
    await this.deps.malls.getMall(mallId, scope);
    const plan = await this.deps.plans.floorPlan(mallId);
    if (!plan) throw floorPlanNotFound(mallId);
    return plan;
  }
}
