import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Visage } from '../main.js';
import { createTestDatabase, makeDataDir, startTestVisage, type TestDatabase } from '../testSupport/testVisage.js';

const ADMIN_KEY = 'test-admin-key-0123456789abcdef';

let db: TestDatabase;
let dataDir: string;
let visage: Visage;

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = await makeDataDir();
  visage = await startTestVisage({ DATABASE_URL: db.url, VISAGE_DATA_DIR: dataDir, VISAGE_ADMIN_KEY: ADMIN_KEY, INFERENCE_THREADS: '1' });
});

afterAll(async () => {
  await visage?.close();
  await db?.drop();
  await fs.rm(dataDir, { recursive: true, force: true });
});

const createMember = (authorization?: string) =>
  fetch(`${visage.url}/v1/members`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify({ name: 'Keyed' }),
  });

describe('API key', () => {
  it('answers 401 UNAUTHENTICATED without a key or with a wrong one, and changes nothing', async () => {
    for (const authorization of [undefined, 'Bearer wrong-key', `Basic ${ADMIN_KEY}`, `Bearer ${ADMIN_KEY}x`, 'Bearer']) {
      const res = await createMember(authorization);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
    }
  });

  it('accepts the admin key', async () => {
    const res = await createMember(`Bearer ${ADMIN_KEY}`);
    expect(res.status).toBe(201);
  });

  it('leaves health, readiness, metrics and the API description open to probes', async () => {
    await visage.modelsReady;
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json']) {
      expect((await fetch(`${visage.url}${path}`)).status).toBe(200);
    }
  });
});
