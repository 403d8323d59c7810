import type pg from 'pg';
import { FOREIGN_KEY_VIOLATION, type Queryable } from '../db/pool.js';

export interface Mall {
  id: string;
  name: string;
  /** Null: the deployment's MALL_TIMEZONE. */
  timeZone: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Store {
  id: string;
  mallId: string;
  name: string;
  brand: string | null;
  /** The group of the store's brand (brands.group_id); null without one. */
  brandGroup: string | null;
  createdAt: string;
  updatedAt: string;
}

interface MallRow {
  id: string;
  name: string;
  time_zone: string | null;
  created_at: Date;
  updated_at: Date;
}

interface StoreRow {
  id: string;
  mall_id: string;
  name: string;
  brand: string | null;
  brand_group: string | null;
  created_at: Date;
  updated_at: Date;
}

const toMall = (row: MallRow): Mall => ({
  id: row.id,
  name: row.name,
  timeZone: row.time_zone,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

const toStore = (row: StoreRow): Store => ({
  id: row.id,
  mallId: row.mall_id,
  name: row.name,
  brand: row.brand,
  brandGroup: row.brand_group,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

/** A store as read: its row and its brand's group. */
const STORE_READ = (stores: string) => `SELECT s.*, b.group_id AS brand_group FROM ${stores} s LEFT JOIN brands b ON b.id = s.brand`;

/** What a write that names a mall can run into. */
export type MallWrite<T> = { ok: T } | { conflict: true } | { unknownMall: true };

const isForeignKeyViolation = (error: unknown): boolean => (error as pg.DatabaseError).code === FOREIGN_KEY_VIOLATION;

/** A mall's floor plan image, as shown. */
export interface FloorPlan {
  contentType: string;
  width: number;
  height: number;
  image: Buffer;
}

/** Malls, their floor plans and their stores (reference data: small, read often, written by operators). */
export class MallRepository {
  constructor(private readonly db: Queryable) {}

  /** Inserts a mall; undefined when the id is taken. */
  async createMall(mall: Pick<Mall, 'id' | 'name' | 'timeZone'>): Promise<Mall | undefined> {
    const { rows } = await this.db.query<MallRow>(
      'INSERT INTO malls (id, name, time_zone) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING RETURNING *',
      [mall.id, mall.name, mall.timeZone],
    );
    return rows[0] && toMall(rows[0]);
  }

  async findMall(id: string, db: Queryable = this.db): Promise<Mall | undefined> {
    const { rows } = await db.query<MallRow>('SELECT * FROM malls WHERE id = $1', [id]);
    return rows[0] && toMall(rows[0]);
  }

  async listMalls(): Promise<Mall[]> {
    const { rows } = await this.db.query<MallRow>('SELECT * FROM malls ORDER BY id');
    return rows.map(toMall);
  }

  /** Applies the fields given (a null time zone returns the mall to MALL_TIMEZONE). */
  async updateMall(id: string, patch: Partial<Pick<Mall, 'name' | 'timeZone'>>): Promise<Mall | undefined> {
    const { rows } = await this.db.query<MallRow>(
      `UPDATE malls SET name = coalesce($2, name),
              time_zone = CASE WHEN $3 THEN $4 ELSE time_zone END, updated_at = now()
        WHERE id = $1 RETURNING *`,
      [id, patch.name ?? null, patch.timeZone !== undefined, patch.timeZone ?? null],
    );
    return rows[0] && toMall(rows[0]);
  }

  /** Sets (replaces) a mall's floor plan; false when the mall does not exist. */
  async saveFloorPlan(mallId: string, plan: FloorPlan): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `INSERT INTO mall_floor_plans (mall_id, content_type, width, height, image)
       SELECT id, $2, $3, $4, $5 FROM malls WHERE id = $1
       ON CONFLICT (mall_id) DO UPDATE SET content_type = excluded.content_type, width = excluded.width, height = excluded.height,
         image = excluded.image, updated_at = now()`,
      [mallId, plan.contentType, plan.width, plan.height, plan.image],
    );
    return (rowCount ?? 0) > 0;
  }

  async floorPlan(mallId: string): Promise<(FloorPlan & { updatedAt: string }) | undefined> {
    const { rows } = await this.db.query<{ content_type: string; width: number; height: number; image: Buffer; updated_at: Date }>(
      'SELECT content_type, width, height, image, updated_at FROM mall_floor_plans WHERE mall_id = $1',
      [mallId],
    );
    const row = rows[0];
    return row && { contentType: row.content_type, width: row.width, height: row.height, image: row.image, updatedAt: row.updated_at.toISOString() };
  }

  async createStore(store: Pick<Store, 'id' | 'mallId' | 'name' | 'brand'>): Promise<MallWrite<Store>> {
    try {
      const { rows } = await this.db.query<StoreRow>(
        `WITH written AS (INSERT INTO stores (id, mall_id, name, brand) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING RETURNING *)
         ${STORE_READ('written')}`,
        [store.id, store.mallId, store.name, store.brand],
      );
      return rows[0] ? { ok: toStore(rows[0]) } : { conflict: true };
    } catch (error) {
      if (isForeignKeyViolation(error)) return { unknownMall: true };
      throw error;
    }
  }

  async findStore(id: string): Promise<Store | undefined> {
    const { rows } = await this.db.query<StoreRow>(`${STORE_READ('stores')} WHERE s.id = $1`, [id]);
    return rows[0] && toStore(rows[0]);
  }

  /** Stores, of one mall when given, by id. */
  async listStores(mallId?: string): Promise<Store[]> {
    const { rows } = await this.db.query<StoreRow>(`${STORE_READ('stores')} WHERE $1::text IS NULL OR s.mall_id = $1 ORDER BY s.id`, [mallId ?? null]);
    return rows.map(toStore);
  }

  async updateStore(id: string, patch: Partial<Pick<Store, 'mallId' | 'name' | 'brand'>>): Promise<MallWrite<Store | undefined>> {
    try {
      const { rows } = await this.db.query<StoreRow>(
        `WITH written AS (
           UPDATE stores SET mall_id = coalesce($2, mall_id), name = coalesce($3, name),
                  brand = CASE WHEN $4 THEN $5 ELSE brand END, updated_at = now()
            WHERE id = $1 RETURNING *)
         ${STORE_READ('written')}`,
        [id, patch.mallId ?? null, patch.name ?? null, patch.brand !== undefined, patch.brand ?? null],
      );
      return { ok: rows[0] && toStore(rows[0]) };
    } catch (error) {
      if (isForeignKeyViolation(error)) return { unknownMall: true };
      throw error;
    }
  }
}
