import type { Queryable } from '../db/pool.js';

export interface Brand {
  id: string;
  name: string;
  /** The brand's group (a mall group's sub-brands); null: none. */
  groupId: string | null;
  createdAt: string;
  updatedAt: string;
}

interface BrandRow {
  id: string;
  name: string;
  group_id: string | null;
  created_at: Date;
  updated_at: Date;
}

const toBrand = (row: BrandRow): Brand => ({ id: row.id, name: row.name, groupId: row.group_id, createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString() });

/** Brands and their groups (reference data, like malls and stores). */
export class BrandRepository {
  constructor(private readonly db: Queryable) {}

  /** Inserts a brand; undefined when the id is taken. */
  async create(brand: Pick<Brand, 'id' | 'name' | 'groupId'>): Promise<Brand | undefined> {
    const { rows } = await this.db.query<BrandRow>('INSERT INTO brands (id, name, group_id) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING RETURNING *', [brand.id, brand.name, brand.groupId]);
    return rows[0] && toBrand(rows[0]);
  }

  /** The brand a store names, created (named as its id, of no group) when it is new. */
  async ensure(id: string): Promise<void> {
    await this.db.query('INSERT INTO brands (id, name) VALUES ($1, $1) ON CONFLICT (id) DO NOTHING', [id]);
  }

  /** Brands, of one group when given, by id. */
  async list(groupId?: string): Promise<Brand[]> {
    const { rows } = await this.db.query<BrandRow>('SELECT * FROM brands WHERE $1::text IS NULL OR group_id = $1 ORDER BY id', [groupId ?? null]);
    return rows.map(toBrand);
  }

  /** Applies the fields given (a null group takes the brand out of its group). */
  async update(id: string, patch: Partial<Pick<Brand, 'name' | 'groupId'>>): Promise<Brand | undefined> {
    const { rows } = await this.db.query<BrandRow>(
      `UPDATE brands SET name = coalesce($2, name), group_id = CASE WHEN $3 THEN $4 ELSE group_id END, updated_at = now() WHERE id = $1 RETURNING *`,
      [id, patch.name ?? null, patch.groupId !== undefined, patch.groupId ?? null],
    );
    return rows[0] && toBrand(rows[0]);
  }
}
