import type { MemberProfile } from '../members/profileService.js';
import type { Clock } from '../shared/clock.js';
import type { CampaignRepository } from '../../repositories/campaignRepository.js';
import type { Coupon, CouponRepository } from '../../repositories/couponRepository.js';
import type { TillContext } from '../recognition/recognitions.js';
import { localClock } from '../../shared/timeZones.js';
import { conditionsMet, NO_BRAND, wantsBrand, type Campaign, type StoreBrand, type TriggerContext } from './campaignRules.js';

/** What offers need of a member's profile. */
export type OfferProfile = Pick<MemberProfile, 'tier' | 'segment' | 'spendLast365Days' | 'purchasesLast365Days'>;
import { worthOn } from './coupons.js';

/** What a recognised member can have at this till: their coupons, best first, and the campaigns that would apply. */
export interface Offers {
  coupons: Pick<Coupon, 'id' | 'title' | 'kind' | 'value' | 'minSpend' | 'categories' | 'expiresAt'>[];
  /** Purchase campaigns this member meets now; `needs` is what the basket must still have. */
  campaigns: { id: string; name: string; effect: Campaign['effect']; needs: { minAmount?: number; categories?: string[] } }[];
}

/**
 * Offers at recognition: read for each face a till's identify matched, in two queries side by
 * side (the member's usable coupons, the mall's active purchase campaigns).
 */
export class OfferService {
  constructor(
    private readonly deps: {
      coupons: CouponRepository;
      campaigns: CampaignRepository;
      /** The mall's time zone (the campaigns' hours and weekdays are local). */
      timeZoneOf: (mallId: string) => Promise<string>;
      /** A store's brand and its group, for campaigns conditioned on them. */
      brandOf: (storeId: string | null) => Promise<StoreBrand>;
      clock: Clock;
    },
  ) {}

  /** `profile`: the member's, being read meanwhile (the offers' queries run beside it). */
  async at(till: TillContext, memberId: string, profile: Promise<OfferProfile | undefined>): Promise<Offers | undefined> {
    const at = this.deps.clock();
    const [coupons, campaigns, timeZone, card] = await Promise.all([
      this.deps.coupons.ofMember(memberId, { mallId: till.mallId, at }),
      this.deps.campaigns.active('purchase', till.mallId),
      this.deps.timeZoneOf(till.mallId),
      profile,
    ]);
    if (!card) return undefined;
    const brand = wantsBrand(campaigns) ? await this.deps.brandOf(till.storeId) : NO_BRAND;
    return this.rank(coupons, campaigns, { at, ...localClock(at, timeZone), tier: card.tier, segment: card.segment, storeId: till.storeId, ...brand }, card);
  }

  private rank(coupons: Coupon[], campaigns: Campaign[], ctx: TriggerContext, profile: OfferProfile): Offers {
    // Best first: worth on the member's usual basket (a percentage is worth more to a big spender), then the sooner to expire.
    const usualBasket = profile.purchasesLast365Days > 0 ? profile.spendLast365Days / profile.purchasesLast365Days : 0;
    const ranked = coupons
      .map((coupon) => ({ coupon, worth: worthOn(coupon, usualBasket) }))
      .sort((a, b) => b.worth - a.worth || a.coupon.expiresAt.localeCompare(b.coupon.expiresAt));
    return {
      coupons: ranked.map(({ coupon: { id, title, kind, value, minSpend, categories, expiresAt } }) => ({ id, title, kind, value, minSpend, categories, expiresAt })),
      campaigns: campaigns
        .filter((campaign) => conditionsMet(campaign.conditions, ctx, false))
        .map(({ id, name, effect, conditions }) => ({
          id,
          name,
          effect,
          needs: { ...(conditions.minAmount !== undefined ? { minAmount: conditions.minAmount } : {}), ...(conditions.categories ? { categories: conditions.categories } : {}) },
        })),
    };
  }
}
