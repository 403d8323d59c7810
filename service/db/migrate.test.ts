import pg from 'pg';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testSupport/testVisage.js';
import { migrate } from './migrate.js';

/** A database migrated before a migration was renamed is not migrated twice after. */

let db: TestDatabase | undefined;
afterAll(async () => {
  await db?.drop();
});

describe('migrations', () => {
  it('keep a renamed migration applied once', async () => {
    db = await createTestDatabase();
    const logger = pino({ level: 'silent' });
    await migrate(db.url, logger);
    const sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    try {
      // As a database migrated before the rename recorded it.
      await sql.query("UPDATE schema_migrations SET name = '1764400000000_photo_digest' WHERE name = '1764400000001_photo_digest'");
      await migrate(db.url, logger);
      const { rows } = await sql.query<{ name: string }>("SELECT name FROM schema_migrations WHERE name LIKE '17644%' ORDER BY name");
      expect(rows.map((r) => r.name)).toEqual(['1764400000000_model_dimension', '1764400000001_photo_digest']);
    } finally {
      await sql.end();
    }
  });
});
