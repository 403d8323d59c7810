import type { Queryable } from '../db/pool.js';

export const CAMERA_CHANGES_CHANNEL = 'visage_camera_changes';

export interface Camera {
  id: string;
  name: string;
  /** As configured, credentials included: never answered or logged as is (cameraUrl.ts masks it). */
  url: string;
  sampleFps: number;
  enabled: boolean;
  /** The mall the camera is in (its faces are searched in that mall's partitions). */
  mallId: string;
  /** The mall's zone it watches (entrance, food-court, …); null: not placed in one. */
  zone: string | null;
  /** Where it is on the mall's floor plan, as fractions of the plan's width and height. */
  position: CameraPosition | null;
  createdAt: string;
  updatedAt: string;
}

export interface CameraPosition {
  x: number;
  y: number;
}

export type NewCamera = Pick<Camera, 'id' | 'name' | 'url' | 'sampleFps' | 'enabled' | 'mallId' | 'zone' | 'position'>;

/** Fields left out stay as they are; zone and position may be cleared with null. */
export type CameraPatch = Partial<Pick<Camera, 'name' | 'url' | 'sampleFps' | 'enabled' | 'mallId' | 'zone' | 'position'>>;

interface CameraRow {
  id: string;
  name: string;
  url: string;
  sample_fps: number;
  enabled: boolean;
  mall_id: string;
  zone: string | null;
  position_x: number | null;
  position_y: number | null;
  created_at: Date;
  updated_at: Date;
}

const toCamera = (row: CameraRow): Camera => ({
  id: row.id,
  name: row.name,
  url: row.url,
  sampleFps: row.sample_fps,
  enabled: row.enabled,
  mallId: row.mall_id,
  zone: row.zone,
  position: row.position_x === null || row.position_y === null ? null : { x: row.position_x, y: row.position_y },
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

/** Cameras, and the leases that say which replica pulls each. */
export class CameraRepository {
  constructor(private readonly db: Queryable) {}

  /** Inserts a camera; undefined when the id is taken. */
  async create(camera: NewCamera): Promise<Camera | undefined> {
    const { rows } = await this.db.query<CameraRow>(
      `INSERT INTO cameras (id, name, url, sample_fps, enabled, mall_id, zone, position_x, position_y) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (id) DO NOTHING RETURNING *`,
      [camera.id, camera.name, camera.url, camera.sampleFps, camera.enabled, camera.mallId, camera.zone, camera.position?.x ?? null, camera.position?.y ?? null],
    );
    return rows[0] && toCamera(rows[0]);
  }

  async find(id: string): Promise<Camera | undefined> {
    const { rows } = await this.db.query<CameraRow>('SELECT * FROM cameras WHERE id = $1', [id]);
    return rows[0] && toCamera(rows[0]);
  }

  async findMany(ids: string[]): Promise<Camera[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.db.query<CameraRow>('SELECT * FROM cameras WHERE id = ANY($1::text[])', [ids]);
    return rows.map(toCamera);
  }

  /** The mall a registered camera belongs to. */
  async mallOf(id: string): Promise<string | undefined> {
    const { rows } = await this.db.query<{ mall_id: string }>('SELECT mall_id FROM cameras WHERE id = $1', [id]);
    return rows[0]?.mall_id;
  }

  async list(): Promise<Camera[]> {
    const { rows } = await this.db.query<CameraRow>('SELECT * FROM cameras ORDER BY id');
    return rows.map(toCamera);
  }

  async update(id: string, patch: CameraPatch): Promise<Camera | undefined> {
    const { rows } = await this.db.query<CameraRow>(
      `UPDATE cameras SET name = coalesce($2, name), url = coalesce($3, url), sample_fps = coalesce($4, sample_fps),
              enabled = coalesce($5, enabled), mall_id = coalesce($6, mall_id),
              zone = CASE WHEN $7 THEN $8 ELSE zone END,
              position_x = CASE WHEN $9 THEN $10::real ELSE position_x END, position_y = CASE WHEN $9 THEN $11::real ELSE position_y END,
              updated_at = now()
        WHERE id = $1 RETURNING *`,
      [
        id,
        patch.name ?? null,
        patch.url ?? null,
        patch.sampleFps ?? null,
        patch.enabled ?? null,
        patch.mallId ?? null,
        patch.zone !== undefined,
        patch.zone ?? null,
        patch.position !== undefined,
        patch.position?.x ?? null,
        patch.position?.y ?? null,
      ],
    );
    return rows[0] && toCamera(rows[0]);
  }

  async delete(id: string): Promise<boolean> {
    const { rowCount } = await this.db.query('DELETE FROM cameras WHERE id = $1', [id]);
    return (rowCount ?? 0) > 0;
  }

  /**
   * Takes or renews the lease of every enabled camera that is free, expired, or already `holder`'s,
   * for `seconds`; returns the ids `holder` now holds. One statement: two replicas never both win.
   */
  async claim(holder: string, seconds: number, maxCameras: number): Promise<string[]> {
    const { rows } = await this.db.query<{ camera_id: string }>(
      `WITH wanted AS (
              SELECT c.id FROM cameras c LEFT JOIN camera_leases l ON l.camera_id = c.id
               WHERE c.enabled AND (l.camera_id IS NULL OR l.holder = $1 OR l.expires_at < now())
               ORDER BY (l.holder = $1) DESC NULLS LAST, c.id
               LIMIT $3)
       INSERT INTO camera_leases (camera_id, holder, expires_at)
       SELECT id, $1, now() + make_interval(secs => $2) FROM wanted
       ON CONFLICT (camera_id) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
         WHERE camera_leases.holder = $1 OR camera_leases.expires_at < now()
       RETURNING camera_id`,
      [holder, seconds, maxCameras],
    );
    return rows.map((r) => r.camera_id);
  }

  /** Publishes the holder's view of a camera's stream (only while it holds the lease). */
  async saveStatuses(holder: string, statuses: Map<string, object>): Promise<void> {
    if (statuses.size === 0) return;
    // One statement for every camera the holder pulls, each heartbeat.
    await this.db.query(
      `UPDATE camera_leases l SET status = s.value FROM jsonb_each($2::jsonb) s WHERE l.camera_id = s.key AND l.holder = $1`,
      [holder, JSON.stringify(Object.fromEntries(statuses))],
    );
  }

  /** Gives up `holder`'s leases (at shutdown: another replica takes the cameras over at once). */
  async release(holder: string): Promise<void> {
    await this.db.query('DELETE FROM camera_leases WHERE holder = $1', [holder]);
  }

  /** Each camera's unexpired lease: which replica pulls it, and what that replica last said of the stream. */
  async leases(): Promise<Map<string, { holder: string; status: Record<string, unknown> | null }>> {
    const { rows } = await this.db.query<{ camera_id: string; holder: string; status: Record<string, unknown> | null }>(
      'SELECT camera_id, holder, status FROM camera_leases WHERE expires_at >= now()',
    );
    return new Map(rows.map((r) => [r.camera_id, { holder: r.holder, status: r.status }]));
  }
}
