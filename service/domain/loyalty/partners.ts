import { invalidInput, partnerAlreadyExists, partnerNotFound } from '../errors.js';
import type { NewPartner, Partner, PartnerPatch, PartnerRepository } from '../../repositories/partnerRepository.js';
import type { Tier } from '../members/loyalty.js';

/**
 * Partner programmes (admin): their points' worth against ours each way, the limits of one
 * transfer, and the tier their levels start a new member at. A tier map names only tiers of the
 * ladder (TIER_SPEND_THRESHOLDS), so a member is never given a tier that does not exist.
 */
export class PartnerService {
  constructor(
    private readonly deps: {
      partners: PartnerRepository;
      tiers: readonly Tier[];
    },
  ) {}

  async create(partner: NewPartner): Promise<Partner> {
    this.check(partner);
    return (await this.deps.partners.insert(partner)) ?? Promise.reject(partnerAlreadyExists(partner.id));
  }

  list(): Promise<Partner[]> {
    return this.deps.partners.list();
  }

  async get(id: string): Promise<Partner> {
    return (await this.deps.partners.find(id)) ?? Promise.reject(partnerNotFound(id));
  }

  async update(id: string, patch: PartnerPatch): Promise<Partner> {
    const current = await this.get(id);
    this.check({ ...current, ...patch });
    return (await this.deps.partners.update(id, patch)) ?? Promise.reject(partnerNotFound(id));
  }

  /** The tier a partner level starts a member at (a floor), or the error saying why not. */
  async tierForLevel(level: { partnerId: string; level: string }): Promise<string> {
    const partner = await this.get(level.partnerId);
    const tier = partner.tierMap[level.level];
    if (!tier) throw invalidInput(`partner ${partner.id} has no level "${level.level}" (its levels: ${Object.keys(partner.tierMap).join(', ') || 'none'})`);
    return tier;
  }

  private check(partner: Pick<Partner, 'minPoints' | 'maxPoints' | 'tierMap'>): void {
    if (partner.maxPoints < partner.minPoints) throw invalidInput('maxPoints must be at least minPoints');
    const unknown = Object.values(partner.tierMap).filter((tier) => !this.deps.tiers.some((t) => t.name === tier));
    if (unknown.length > 0) throw invalidInput(`tierMap names tiers the ladder does not have: ${unknown.join(', ')} (tiers: ${this.deps.tiers.map((t) => t.name).join(', ')})`);
  }
}
