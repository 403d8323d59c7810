import type { Queryable } from '../db/pool.js';

export interface Partner {
  id: string;
  name: string;
  /** Partner points given for one of ours sent out. */
  pointsOut: number;
  /** Our points given for one of theirs received. */
  pointsIn: number;
  /** Limits of one transfer, in the points that leave their programme (ours out, theirs in). */
  minPoints: number;
  maxPoints: number;
  /** Partner level → our tier. */
  tierMap: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

export type NewPartner = Omit<Partner, 'createdAt' | 'updatedAt'>;
export type PartnerPatch = Partial<Omit<NewPartner, 'id'>>;

interface PartnerRow {
  id: string;
  name: string;
  points_out_rate: string;
  points_in_rate: string;
  min_points: number;
  max_points: number;
  tier_map: Record<string, string>;
  created_at: Date;
  updated_at: Date;
}

const toPartner = (row: PartnerRow): Partner => ({
  id: row.id,
  name: row.name,
  pointsOut: Number(row.points_out_rate),
  pointsIn: Number(row.points_in_rate),
  minPoints: row.min_points,
  maxPoints: row.max_points,
  tierMap: row.tier_map,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

/** Partner programmes (admin writes, read by transfers and by members' starting tiers). */
export class PartnerRepository {
  constructor(private readonly db: Queryable) {}

  /** Undefined when the id is taken. */
  async insert(partner: NewPartner): Promise<Partner | undefined> {
    const { rows } = await this.db.query<PartnerRow>(
      `INSERT INTO partners (id, name, points_out_rate, points_in_rate, min_points, max_points, tier_map) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO NOTHING RETURNING *`,
      [partner.id, partner.name, partner.pointsOut, partner.pointsIn, partner.minPoints, partner.maxPoints, JSON.stringify(partner.tierMap)],
    );
    return rows[0] && toPartner(rows[0]);
  }

  async find(id: string, db: Queryable = this.db): Promise<Partner | undefined> {
    const { rows } = await db.query<PartnerRow>('SELECT * FROM partners WHERE id = $1', [id]);
    return rows[0] && toPartner(rows[0]);
  }

  async list(): Promise<Partner[]> {
    const { rows } = await this.db.query<PartnerRow>('SELECT * FROM partners ORDER BY id');
    return rows.map(toPartner);
  }

  async update(id: string, patch: PartnerPatch): Promise<Partner | undefined> {
    const { rows } = await this.db.query<PartnerRow>(
      `UPDATE partners SET name = coalesce($2, name), points_out_rate = coalesce($3, points_out_rate), points_in_rate = coalesce($4, points_in_rate),
              min_points = coalesce($5, min_points), max_points = coalesce($6, max_points), tier_map = coalesce($7, tier_map), updated_at = now()
        WHERE id = $1 RETURNING *`,
      [id, patch.name ?? null, patch.pointsOut ?? null, patch.pointsIn ?? null, patch.minPoints ?? null, patch.maxPoints ?? null, patch.tierMap ? JSON.stringify(patch.tierMap) : null],
    );
    return rows[0] && toPartner(rows[0]);
  }
}
