import fs from 'node:fs/promises';
import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Visage } from '../app/startVisage.js';
import type { ROLES } from '../repositories/apiKeyRepository.js';
import { apiClient, expectError, type Json } from '../testSupport/apiClient.js';
import { cropFace, PERSON_A } from '../testSupport/facePhotos.js';
import { ADMIN_AUTH, type IsolatedVisage, startIsolatedVisage, TEST_ADMIN_KEY } from '../testSupport/testVisage.js';
import { ENDPOINTS } from './endpoints/index.js';

/**
 * Keys, roles, audit, rate limits, slow uploads and security headers, over HTTP against the
 * real service. Every role is tried on every declared endpoint.
 */

// Above what one key spends in the role test (every endpoint once per role) with the other tests in the same minute.
const RATE_LIMIT = 300;
const UNKNOWN = '6b0f0a34-9a5e-4c1e-8d1a-1c2b3d4e5f60';
type Role = (typeof ROLES)[number];

let service: IsolatedVisage;
let dataDir: string;
let visage: Visage;
let sql: pg.Pool;
const admin = apiClient(() => visage.url, ADMIN_AUTH);
const as = (key: string) => apiClient(() => visage.url, { authorization: `Bearer ${key}` });
const keyOf: Partial<Record<Role, string>> = { admin: TEST_ADMIN_KEY };

async function createKey(role: Role, name = `${role} key`, expiresAt?: string): Promise<{ id: string; key: string }> {
  const res = await admin.post('/v1/keys', { role, name, ...(expiresAt ? { expiresAt } : {}) });
  expect(res.status).toBe(201);
  return res.body;
}

beforeAll(async () => {
  service = await startIsolatedVisage({
    INFERENCE_THREADS: '1',
    RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
    REQUEST_TIMEOUT_SECONDS: '2',
    STORE_ENROLLMENT_PHOTOS: 'false',
  });
  ({ visage, sql, dataDir } = service);
  await visage.modelsReady;
  for (const role of ['camera', 'pos', 'operator'] as const) keyOf[role] = (await createKey(role)).key;
});

afterAll(async () => {
  await service?.close();
});

describe('authentication', () => {
  it('answers 401 UNAUTHENTICATED without a valid key, and changes nothing', async () => {
    const { rows: before } = await sql.query('SELECT count(*)::int AS n FROM members');
    const headers = [undefined, 'Bearer wrong-key', `Basic ${TEST_ADMIN_KEY}`, `Bearer ${TEST_ADMIN_KEY}x`, 'Bearer', `Bearer ${'k'.repeat(1000)}`];
    for (const authorization of headers) {
      const client = apiClient(() => visage.url, authorization ? { authorization } : {});
      expectError(await client.post('/v1/members', { name: 'Keyed' }), 401, 'UNAUTHENTICATED');
    }
    const { rows } = await sql.query('SELECT count(*)::int AS n FROM members');
    expect(rows[0].n).toBe(before[0].n);
  });

  it('leaves health, readiness, metrics and the API description open to probes, with security headers', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json']) {
      const res = await fetch(`${visage.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
  });
});

describe('API keys', () => {
  it('shows a key once, keeps only its digest, and lists keys without them', async () => {
    const created = await createKey('pos', 'till 4');
    expect(created.key).toMatch(/^vsg_[A-Za-z0-9_-]{43}$/);
    const listed = await admin.get('/v1/keys');
    const entry = listed.body.keys.find((k: { id: string }) => k.id === created.id);
    expect(entry).toMatchObject({ name: 'till 4', role: 'pos', revokedAt: null, keyPrefix: created.key.slice(0, 12) });
    expect(JSON.stringify(listed.body)).not.toContain(created.key);
    const { rows } = await sql.query('SELECT * FROM api_keys WHERE id = $1', [created.id]);
    expect(JSON.stringify(rows[0])).not.toContain(created.key.slice(12));
  });

  it('stops a revoked key and an expired key at once', async () => {
    const revoked = await createKey('operator');
    expect((await as(revoked.key).get('/v1/members?name=x')).status).toBe(200);
    expect((await admin.call('DELETE', `/v1/keys/${revoked.id}`)).status).toBe(204);
    expectError(await as(revoked.key).get('/v1/members?name=x'), 401, 'UNAUTHENTICATED');
    expectError(await admin.call('DELETE', `/v1/keys/${UNKNOWN}`), 404, 'KEY_NOT_FOUND');
    expectError(await admin.call('DELETE', '/v1/keys/not-a-key'), 404, 'KEY_NOT_FOUND');

    const soon = await createKey('operator', 'temporary', new Date(Date.now() + 1500).toISOString());
    expect((await as(soon.key).get('/v1/members?name=x')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expectError(await as(soon.key).get('/v1/members?name=x'), 401, 'UNAUTHENTICATED');
    expectError(await admin.post('/v1/keys', { role: 'pos', name: 'past', expiresAt: '2020-01-01T00:00:00Z' }), 400, 'VALIDATION_FAILED');
    expectError(await admin.post('/v1/keys', { role: 'root', name: 'x' }), 400, 'VALIDATION_FAILED');
  });
});

/** Opens an event stream, takes the status and closes it (its body never ends). */
async function openStream(urlPath: string, key: string): Promise<Json> {
  const abort = new AbortController();
  const res = await fetch(`${visage.url}${urlPath}`, { headers: { authorization: `Bearer ${key}` }, signal: abort.signal });
  const body = res.headers.get('content-type')?.includes('json') ? await res.json() : undefined;
  abort.abort();
  return { status: res.status, headers: res.headers, body };
}

describe('roles', () => {
  /** The role table comes from the endpoint declarations: every /v1 endpoint is tried with every role. */
  const endpoints = ENDPOINTS.filter((endpoint) => endpoint.roles !== 'public').map((endpoint) => ({
    method: endpoint.method.toUpperCase(),
    // Unknown ids: an allowed role gets past the role check and fails on input (or finds nothing).
    path: endpoint.path.replace(/:\w+/g, UNKNOWN),
    roles: endpoint.roles as readonly Role[],
    body: endpoint.json ? {} : undefined,
    image: Boolean(endpoint.image),
    stream: endpoint.responses[200]?.contentType === 'text/event-stream',
  }));

  it('documents every declared endpoint in the API description, with its roles', async () => {
    const { body: openapi } = await admin.get('/openapi.json');
    const documented = Object.entries(openapi.paths as Record<string, Record<string, { 'x-roles'?: string[] }>>).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => `${method.toUpperCase()} ${path} ${operation['x-roles']?.join(',') ?? 'public'}`),
    );
    const declared = ENDPOINTS.map(
      (e) => `${e.method.toUpperCase()} ${e.path.replace(/:(\w+)/g, '{$1}')} ${e.roles === 'public' ? 'public' : [...e.roles, 'admin'].join(',')}`,
    );
    expect(new Set(documented)).toEqual(new Set(declared));
  });

  it('lets each role reach exactly its endpoints (admin all), and answers 403 FORBIDDEN elsewhere', async () => {
    const outcomes: string[] = [];
    for (const endpoint of endpoints) {
      for (const role of ['camera', 'pos', 'operator', 'admin'] as const) {
        const client = as(keyOf[role]!);
        const res: Json = endpoint.stream
          ? await openStream(endpoint.path, keyOf[role]!)
          : endpoint.image
          ? await client.call(endpoint.method, endpoint.path, Buffer.alloc(0), { 'content-type': 'image/jpeg' })
          : await client.call(endpoint.method, endpoint.path, endpoint.body);
        const allowed = role === 'admin' || endpoint.roles.includes(role);
        outcomes.push(`${endpoint.method} ${endpoint.path} as ${role}: ${res.status} ${res.body?.error?.code ?? ''}`);
        if (allowed) {
          expect([401, 403], `${endpoint.method} ${endpoint.path} as ${role}`).not.toContain(res.status);
          expect(res.status, `${endpoint.method} ${endpoint.path} as ${role}`).toBeLessThan(500);
        } else {
          expectError(res, 403, 'FORBIDDEN');
        }
      }
    }
    expect(outcomes).toHaveLength(endpoints.length * 4);
  });

  it('keeps a camera key from enrolling or purging', async () => {
    const created = await admin.post('/v1/members', { name: 'Cam Test', consent: { faceRecognition: true, source: 'desk' } });
    const camera = as(keyOf.camera!);
    expectError(await camera.postImage(`/v1/members/${created.body.id}/faces`, await cropFace(PERSON_A)), 403, 'FORBIDDEN');
    expectError(await camera.call('DELETE', `/v1/members/${created.body.id}`), 403, 'FORBIDDEN');
    expect((await admin.get(`/v1/members/${created.body.id}`)).status).toBe(200);
    await admin.call('DELETE', `/v1/members/${created.body.id}`);
  });
});

describe('audit log', () => {
  it('records enroll, POS identify, refused and done purges and key changes, without biometric data, and keeps them after the purge', async () => {
    const operator = as(keyOf.operator!);
    const pos = as(keyOf.pos!);
    const created = await operator.post('/v1/members', { name: 'Audited', consent: { faceRecognition: true, source: 'desk' } });
    const memberId = created.body.id;
    const enrolled = await operator.postImage(`/v1/members/${memberId}/faces`, await cropFace(PERSON_A));
    expect(enrolled.status).toBe(201);
    const identified = await pos.postImage('/v1/identify?maxFaces=1', await cropFace(PERSON_A, { width: 260 }));
    expect(identified.body.faces[0].match.memberId).toBe(memberId);
    expectError(await as(keyOf.camera!).call('DELETE', `/v1/members/${memberId}`), 403, 'FORBIDDEN');
    expect((await operator.call('DELETE', `/v1/members/${memberId}`)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200)); // audit records are queued as responses finish

    const trail = await admin.get(`/v1/audit?memberId=${memberId}`);
    expect(trail.status).toBe(200);
    const summary = trail.body.items.map((e: { action: string; role: string; outcome: string }) => `${e.action} ${e.role} ${e.outcome}`);
    expect(summary).toEqual([
      'member.purge operator ok',
      'member.purge camera FORBIDDEN',
      'pos.identify pos ok',
      'face.adapted pos ok', // the till's clear recognition taught an adaptive template, in the same request
      'face.enroll operator ok',
    ]);
    const identify = trail.body.items.find((e: { action: string }) => e.action === 'pos.identify');
    expect(identify.details.matches[0]).toMatchObject({ memberId, distance: expect.any(Number) });
    const { rows } = await sql.query('SELECT details::text AS d FROM audit_log');
    for (const row of rows) expect(row.d).not.toMatch(/(-?\d+\.\d+,\s*){20}/); // never a descriptor

    const since = new Date(Date.now() - 60_000).toISOString();
    const keyChanges = await admin.get(`/v1/audit?action=key.create&from=${encodeURIComponent(since)}`);
    expect(keyChanges.body.items.length).toBeGreaterThan(0);
    expectError(await admin.get('/v1/audit?memberId=nope'), 400, 'VALIDATION_FAILED');
    expectError(await as(keyOf.operator!).get('/v1/audit'), 403, 'FORBIDDEN');
  });

  it('keeps no enrollment photo when STORE_ENROLLMENT_PHOTOS is false', async () => {
    const created = await admin.post('/v1/members', { name: 'No Photo', consent: { faceRecognition: true, source: 'desk' } });
    expect((await admin.postImage(`/v1/members/${created.body.id}/faces`, await cropFace(PERSON_A))).status).toBe(201);
    const { rows } = await sql.query('SELECT photo_key FROM face_templates WHERE member_id = $1', [created.body.id]);
    expect(rows).toEqual([{ photo_key: null }]);
    const files = await fs.readdir(`${dataDir}/blobs`, { recursive: true }).catch(() => []);
    expect(files.filter((f) => String(f).endsWith('.jpg'))).toEqual([]);
    await admin.call('DELETE', `/v1/members/${created.body.id}`);
  });
});

describe('limits', () => {
  it('answers 429 RATE_LIMITED with Retry-After past the per-key limit, per key', async () => {
    const { key } = await createKey('operator', 'busy');
    const client = as(key);
    const statuses: number[] = [];
    for (let i = 0; i < RATE_LIMIT; i++) statuses.push((await client.get('/v1/members?name=x')).status);
    expect(new Set(statuses)).toEqual(new Set([200]));
    const limited = await client.get('/v1/members?name=x');
    expectError(limited, 429, 'RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await as(keyOf.operator!).get('/v1/members?name=x')).status).toBe(200);
  });

  it('cuts off an upload that trickles in, with 408', async () => {
    const { port } = new URL(visage.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => {
        socket.write(`POST /v1/identify HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_ADMIN_KEY}\r\nContent-Type: image/jpeg\r\nContent-Length: 100000\r\n\r\n`);
        socket.write(Buffer.alloc(100));
      });
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString()));
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
      setTimeout(() => reject(new Error('the server kept the slow upload open')), 8000);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('refuses JSON bodies over the limit with 413', async () => {
    expectError(await admin.post('/v1/members', { name: 'x'.repeat(20_000) }), 413, 'PAYLOAD_TOO_LARGE');
  });
});
