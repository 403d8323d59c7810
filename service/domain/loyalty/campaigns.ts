import { randomUUID } from 'node:crypto';
import type { Principal } from '../access/apiKeys.js';
import { campaignNotFound, invalidInput, storeNotFound } from '../errors.js';
import type { LoyaltyRules } from '../members/loyalty.js';
import type { Clock } from '../shared/clock.js';
import type { CampaignRepository, CampaignWithStats } from '../../repositories/campaignRepository.js';
import type { MallRepository } from '../../repositories/mallRepository.js';
import { contradictions, type Campaign, type CampaignDefinition, type CampaignStatus } from './campaignRules.js';

export type CampaignPatch = Partial<Pick<Campaign, 'name' | 'status' | 'conditions' | 'limits'>>;

/**
 * Campaigns as operators run them: created (checked for contradictions), paused, resumed and
 * ended (for good). A mall-bound key runs its mall's campaigns only; an unbound key the group's.
 */
export class CampaignService {
  constructor(
    private readonly deps: { campaigns: CampaignRepository; malls: MallRepository; rules: LoyaltyRules; clock: Clock },
  ) {}

  private async check(definition: CampaignDefinition, mallId: string | null): Promise<void> {
    const problems = contradictions(definition, this.deps.rules.tiers.map((t) => t.name), this.deps.clock());
    if (problems.length > 0) throw invalidInput(`the campaign contradicts itself: ${problems.join('; ')}`, { problems });
    for (const storeId of definition.conditions.storeIds ?? []) {
      const store = await this.deps.malls.findStore(storeId);
      // A mall's campaign names its own stores only; another mall's store is as unknown as none.
      if (!store || (mallId && store.mallId !== mallId)) throw storeNotFound(storeId);
    }
  }

  async create(definition: CampaignDefinition, principal?: Principal): Promise<CampaignWithStats> {
    const mallId = principal?.mallId ?? null;
    await this.check(definition, mallId);
    return this.deps.campaigns.create({ ...definition, id: randomUUID(), mallId });
  }

  /** The campaign, if this key may see it (a mall's key: its mall's only). */
  async get(id: string, principal?: Principal): Promise<CampaignWithStats> {
    const campaign = await this.deps.campaigns.find(id);
    if (!campaign || (principal?.mallId && campaign.mallId !== principal.mallId)) throw campaignNotFound(id);
    return campaign;
  }

  list(principal: Principal | undefined, status?: CampaignStatus): Promise<CampaignWithStats[]> {
    return this.deps.campaigns.list({ mallId: principal?.mallId ?? undefined, status });
  }

  async update(id: string, patch: CampaignPatch, principal?: Principal): Promise<CampaignWithStats> {
    const campaign = await this.get(id, principal);
    if (campaign.status === 'ended') throw invalidInput('the campaign has ended: create a new one');
    await this.check({ ...campaign, ...patch }, campaign.mallId);
    await this.deps.campaigns.update(id, patch);
    return this.get(id, principal);
  }
}
