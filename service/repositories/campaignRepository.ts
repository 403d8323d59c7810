import type { Queryable } from '../db/pool.js';
import type { Campaign, CampaignDefinition, CampaignStatus, CampaignTrigger, LimitPeriod } from './loyaltyRecords.js';

/** A campaign with what it has done so far. */
export interface CampaignWithStats extends Campaign {
  stats: { awards: number; couponsIssued: number; couponsUsed: number };
}

interface CampaignRow {
  id: string;
  name: string;
  mall_id: string | null;
  status: CampaignStatus;
  trigger: CampaignTrigger;
  conditions: Campaign['conditions'];
  limits: Campaign['limits'];
  effect: Campaign['effect'];
  created_at: Date;
  updated_at: Date;
  awards?: string;
  coupons_issued?: string;
  coupons_used?: string;
}

const toCampaign = (row: CampaignRow): Campaign => ({
  id: row.id,
  name: row.name,
  mallId: row.mall_id,
  status: row.status,
  trigger: row.trigger,
  conditions: row.conditions,
  limits: row.limits,
  effect: row.effect,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

const WITH_STATS = `
  SELECT c.*,
         (SELECT count(*) FROM campaign_awards a WHERE a.campaign_id = c.id) AS awards,
         (SELECT count(*) FROM coupons k WHERE k.campaign_id = c.id) AS coupons_issued,
         (SELECT count(*) FROM coupons k WHERE k.campaign_id = c.id AND k.used_at IS NOT NULL) AS coupons_used
    FROM campaigns c`;

const withStats = (row: CampaignRow): CampaignWithStats => ({
  ...toCampaign(row),
  stats: { awards: Number(row.awards), couponsIssued: Number(row.coupons_issued), couponsUsed: Number(row.coupons_used) },
});

export class CampaignRepository {
  constructor(private readonly db: Queryable) {}

  async create(campaign: CampaignDefinition & { id: string; mallId: string | null }): Promise<CampaignWithStats> {
    await this.db.query(
      `INSERT INTO campaigns (id, name, mall_id, status, trigger, conditions, limits, effect) VALUES ($1, $2, $3, 'active', $4, $5, $6, $7)`,
      [campaign.id, campaign.name, campaign.mallId, campaign.trigger, campaign.conditions, campaign.limits, campaign.effect],
    );
    return (await this.find(campaign.id))!;
  }

  async find(id: string): Promise<CampaignWithStats | undefined> {
    const { rows } = await this.db.query<CampaignRow>(`${WITH_STATS} WHERE c.id = $1`, [id]);
    return rows[0] && withStats(rows[0]);
  }

  /** Newest first; a mall's own (and the group's) when `mallId` is given. */
  async list(filter: { mallId?: string; status?: CampaignStatus }): Promise<CampaignWithStats[]> {
    const { rows } = await this.db.query<CampaignRow>(
      `${WITH_STATS} WHERE ($1::text IS NULL OR c.mall_id = $1) AND ($2::text IS NULL OR c.status = $2) ORDER BY c.created_at DESC, c.id`,
      [filter.mallId ?? null, filter.status ?? null],
    );
    return rows.map(withStats);
  }

  async update(id: string, patch: { name?: string; status?: CampaignStatus; conditions?: Campaign['conditions']; limits?: Campaign['limits'] }): Promise<void> {
    await this.db.query(
      `UPDATE campaigns SET name = coalesce($2, name), status = coalesce($3, status), conditions = coalesce($4, conditions),
              limits = coalesce($5, limits), updated_at = now() WHERE id = $1`,
      [id, patch.name ?? null, patch.status ?? null, patch.conditions ?? null, patch.limits ?? null],
    );
  }

  /** Active campaigns of a trigger that apply in a mall (its own and the group's). */
  async active(trigger: CampaignTrigger, mallId: string, db: Queryable = this.db): Promise<Campaign[]> {
    const { rows } = await db.query<CampaignRow>(
      "SELECT * FROM campaigns WHERE trigger = $1 AND status = 'active' AND (mall_id IS NULL OR mall_id = $2) ORDER BY created_at, id",
      [trigger, mallId],
    );
    return rows.map(toCampaign);
  }

  /** Times the campaign applied to the member in the period (local to `timeZone`) that holds `at`. */
  async awardsInPeriod(campaignId: string, memberId: string, period: LimitPeriod, at: Date, timeZone: string, db: Queryable): Promise<number> {
    // 'campaign': its whole life; otherwise from the start of the local day, week, month or year.
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM campaign_awards
        WHERE campaign_id = $1 AND member_id = $2
          AND ($3::text IS NULL OR at >= date_trunc($3::text, $4::timestamptz AT TIME ZONE $5::text) AT TIME ZONE $5::text)`,
      [campaignId, memberId, period === 'campaign' ? null : period, at, timeZone],
    );
    return rows[0]!.n;
  }

  /** Takes one from the campaign's total; false when it is spent (the row lock orders racing awards). */
  async takeFromTotal(campaignId: string, total: number, db: Queryable): Promise<boolean> {
    const { rows } = await db.query(
      `INSERT INTO campaign_budgets (campaign_id, awarded) VALUES ($1, 1)
       ON CONFLICT (campaign_id) DO UPDATE SET awarded = campaign_budgets.awarded + 1 WHERE campaign_budgets.awarded < $2
       RETURNING awarded`,
      [campaignId, total],
    );
    return rows.length > 0;
  }

  async recordAward(award: { campaignId: string; memberId: string; at: Date; points: number; couponId: string | null }, db: Queryable): Promise<void> {
    await db.query('INSERT INTO campaign_awards (campaign_id, member_id, at, points, coupon_id) VALUES ($1, $2, $3, $4, $5)', [
      award.campaignId,
      award.memberId,
      award.at,
      award.points,
      award.couponId,
    ]);
  }
}
