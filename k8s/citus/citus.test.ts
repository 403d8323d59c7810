import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../service/db/migrate.js';
import { createTestDatabase, type TestDatabase } from '../../service/testSupport/testVisage.js';

/**
 * Citus is not installable here, so the distribution is checked on plain PostgreSQL: the
 * service's migrations, then schema-for-citus.sql (plain SQL), then what Citus would refuse when
 * distribute.sql runs: a primary key or unique index of a distributed table without its
 * distribution column, a foreign key between tables that are not colocated (other than to a
 * reference table), and a table the plan forgets.
 */

const dir = path.dirname(fileURLToPath(import.meta.url));
let db: TestDatabase;
let sql: pg.Pool;

interface Plan {
  distributed: Map<string, { column: string; colocateWith?: string }>;
  reference: Set<string>;
  local: Set<string>;
}

async function readPlan(): Promise<Plan> {
  const text = await fs.readFile(path.join(dir, 'distribute.sql'), 'utf8');
  const plan: Plan = { distributed: new Map(), reference: new Set(), local: new Set() };
  for (const m of text.matchAll(/create_distributed_table\('(\w+)', '(\w+)'(?:, colocate_with => '(\w+)')?\)/g)) {
    plan.distributed.set(m[1]!, { column: m[2]!, colocateWith: m[3] });
  }
  for (const m of text.matchAll(/create_reference_table\('(\w+)'\)/g)) plan.reference.add(m[1]!);
  for (const m of text.matchAll(/citus_add_local_table_to_metadata\('(\w+)'\)/g)) plan.local.add(m[1]!);
  return plan;
}

beforeAll(async () => {
  db = await createTestDatabase();
  await migrate(db.url, pino({ level: 'silent' }));
  sql = new pg.Pool({ connectionString: db.url, max: 1 });
  await sql.query(await fs.readFile(path.join(dir, 'schema-for-citus.sql'), 'utf8'));
});

afterAll(async () => {
  await sql?.end();
  await db?.drop();
});

describe('the Citus distribution, checked on plain PostgreSQL', () => {
  it('places every table of the schema exactly once', async () => {
    const plan = await readPlan();
    const { rows } = await sql.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'");
    const placed = [...plan.distributed.keys(), ...plan.reference, ...plan.local];
    expect(new Set(placed).size).toBe(placed.length);
    // The migrations' own table is the migrator's, on the coordinator.
    expect(placed.sort()).toEqual(rows.map((r) => r.name).sort());
  });

  it("keeps every distributed table's unique keys on its distribution column", async () => {
    const plan = await readPlan();
    for (const [table, { column }] of plan.distributed) {
      const { rows } = await sql.query<{ index: string; columns: string[] }>(
        `SELECT i.relname AS index, array_agg(a.attname::text ORDER BY a.attnum) AS columns
           FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
           JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(x.indkey)
          WHERE t.relname = $1 AND x.indisunique GROUP BY i.relname`,
        [table],
      );
      for (const unique of rows) expect(unique.columns, `${table}.${unique.index}`).toContain(column);
    }
  });

  it('has foreign keys only between colocated tables, or to reference tables', async () => {
    const plan = await readPlan();
    const groupOf = (table: string): string | undefined => {
      const placed = plan.distributed.get(table);
      return placed ? (placed.colocateWith ?? table) : undefined;
    };
    const { rows } = await sql.query<{ name: string; from: string; to: string }>(
      `SELECT c.conname AS name, f.relname AS from, t.relname AS to FROM pg_constraint c
         JOIN pg_class f ON f.oid = c.conrelid JOIN pg_class t ON t.oid = c.confrelid WHERE c.contype = 'f'`,
    );
    for (const fk of rows) {
      if (plan.reference.has(fk.to)) continue; // any table may point at a reference table
      if (plan.local.has(fk.from) && plan.local.has(fk.to)) continue; // both on the coordinator
      expect(groupOf(fk.from), `${fk.name}: ${fk.from} → ${fk.to}`).toBeDefined();
      expect(groupOf(fk.from), `${fk.name}: ${fk.from} → ${fk.to}`).toBe(groupOf(fk.to));
    }
  });
});
