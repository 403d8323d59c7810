import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Pool } from '../db/pool.js';
import type { Outbox } from '../domain/events/outbox.js';
import { CampaignEngine } from '../domain/loyalty/campaignEngine.js';
import { CampaignService } from '../domain/loyalty/campaigns.js';
import { CouponService } from '../domain/loyalty/coupons.js';
import { OfferService } from '../domain/loyalty/offers.js';
import type { ProfileService } from '../domain/members/profileService.js';
import type { MallPartitions } from '../domain/recognition/mallPartitions.js';
import type { Clock } from '../domain/shared/clock.js';
import { CampaignRepository } from '../repositories/campaignRepository.js';
import { CouponRepository } from '../repositories/couponRepository.js';
import type { MallRepository } from '../repositories/mallRepository.js';
import type { MemberRepository } from '../repositories/memberRepository.js';
import { PointsLedgerRepository } from '../repositories/pointsLedgerRepository.js';
import { PartnerRepository } from '../repositories/partnerRepository.js';
import { TransferRepository } from '../repositories/transferRepository.js';
import { PartnerService } from '../domain/loyalty/partners.js';
import { TransferService } from '../domain/loyalty/transfers.js';

/**
 * The loyalty loop's parts that other services are built on (wiring.ts, the one composition
 * root, builds the rest): the ledger, the campaign engine that purchases, visits and enrollments
 * apply, coupons, offers at recognition, the operators' campaigns, partner programmes and transfers.
 */
export function wireLoyalty(deps: {
  config: Config;
  pool: Pool;
  members: MemberRepository;
  profiles: ProfileService;
  outbox: Outbox;
  mallRepository: MallRepository;
  partitions: MallPartitions;
  clock: Clock;
  logger: Logger;
}) {
  const { config, pool, members, profiles, outbox, mallRepository, partitions, clock, logger } = deps;
  const ledger = new PointsLedgerRepository(pool);
  const campaignRepository = new CampaignRepository(pool);
  const couponRepository = new CouponRepository(pool);
  const campaignEngine = new CampaignEngine({
    pool,
    campaigns: campaignRepository,
    coupons: couponRepository,
    ledger,
    members,
    malls: mallRepository,
    partitions,
    profiles,
    outbox,
    rules: config.loyalty,
    clock,
    logger,
  });
  const partnerRepository = new PartnerRepository(pool);
  const partners = new PartnerService({ partners: partnerRepository, tiers: config.loyalty.tiers });
  return {
    ledger,
    campaignEngine,
    partners,
    transfers: new TransferService({
      pool,
      members,
      partners: partnerRepository,
      transfers: new TransferRepository(),
      ledger,
      outbox,
      pointsExpireMonths: config.loyalty.pointsExpireMonths,
      clock,
    }),
    coupons: new CouponService({ coupons: couponRepository, members, outbox, clock }),
    offers: new OfferService({ coupons: couponRepository, campaigns: campaignRepository, timeZoneOf: (mallId) => campaignEngine.timeZoneOf(mallId), brandOf: (storeId) => campaignEngine.brandOf(storeId), clock }),
    campaigns: new CampaignService({ campaigns: campaignRepository, malls: mallRepository, rules: config.loyalty, clock }),
  };
}
