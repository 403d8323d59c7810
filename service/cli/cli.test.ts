import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import pg from 'pg';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Visage } from '../app/startVisage.js';
import { apiClient } from '../testSupport/apiClient.js';
import { cropFace, demoPhoto, PERSON_A, PERSON_B, STRANGERS } from '../testSupport/facePhotos.js';
import { ADMIN_AUTH, type IsolatedVisage, startIsolatedVisage, TEST_ADMIN_KEY } from '../testSupport/testVisage.js';

/** The `visage` command against a running service: keys, bulk import (run twice), export. */

/** A name with a comma and a quote, as a spreadsheet exports it. */
const MAPPING_CSV = 'folder,name,phone,wechat\nBella_Wu,"Wu, Bella ""BB""",+8613600000001,wx-bella\n';
const ROOT = path.resolve(import.meta.dirname, '../..');
let service: IsolatedVisage;
let work: string;
let visage: Visage;
let sql: pg.Pool;
let operatorKey: string;
let firstImport: { stdout: string };

const visageCli = (key: string, ...args: string[]) =>
  promisify(execFile)(process.execPath, [path.join(ROOT, 'service/cli/visage.mjs'), '--url', visage.url, '--key', key, ...args], { cwd: work, env: { ...process.env, NODE_OPTIONS: '' } }).catch(
    (error: { stdout: string; stderr: string; code: number }) => ({ stdout: error.stdout, stderr: error.stderr, code: error.code }),
  );

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'visage-cli-'));
  service = await startIsolatedVisage();
  ({ visage, sql } = service);
  await visage.modelsReady;
  // A member base: a folder per member; one photo without a face, one of several people, and one
  // person's face again under another name.
  const photos: Record<string, Buffer[]> = {
    Anna_Li: [await cropFace(PERSON_A), await cropFace(PERSON_A, { width: 360, margin: 0.8 })],
    Bella_Wu: [await cropFace(PERSON_B), await sharp({ create: { width: 300, height: 300, channels: 3, background: '#88a' } }).jpeg().toBuffer()],
    Cara_Ng: [await cropFace(STRANGERS[0]!), await fs.readFile(demoPhoto(6))],
    Zed_Twin: [await cropFace(PERSON_A, { width: 280, quality: 70 })],
  };
  for (const [name, files] of Object.entries(photos)) {
    await fs.mkdir(path.join(work, 'members', name), { recursive: true });
    // Second photos get a name with a comma and a quote: the report must quote it.
    for (const [i, bytes] of files.entries()) await fs.writeFile(path.join(work, 'members', name, i === 1 ? '2, "second".jpg' : `${i + 1}.jpg`), bytes);
  }
  await fs.writeFile(path.join(work, 'mapping.csv'), MAPPING_CSV);
  operatorKey = (await apiClient(() => visage.url, ADMIN_AUTH).post('/v1/keys', { role: 'operator', name: 'bulk import' })).body.key;
  firstImport = await visageCli(operatorKey, 'import', 'members', '--consent-source', 'paper form 2026', '--csv', 'mapping.csv', '--concurrency', '1');
});

afterAll(async () => {
  await service?.close();
  await fs.rm(work, { recursive: true, force: true });
});

describe('visage CLI', () => {
  it('creates a key, shown once', async () => {
    const created = await visageCli(TEST_ADMIN_KEY, 'keys', 'create', '--role', 'operator', '--name', 'another import');
    expect(created.stdout).toMatch(/: vsg_\S+/);
    expect(created.stdout).toContain('only time the key is shown');
  });

  it('imports a folder with a rejection report, and a second run enrolls nothing twice', async () => {
    expect(firstImport.stdout).toContain('4 members, 4 photos enrolled, 3 rejected');
    const report = parse(await fs.readFile(path.join(work, 'visage-import-report.csv'), 'utf8'));
    expect(report).toEqual([
      ['photo', 'reason'],
      ['Bella_Wu/2, "second".jpg', 'NO_FACE'],
      ['Cara_Ng/2, "second".jpg', 'MULTIPLE_FACES'],
      ['Zed_Twin/1.jpg', 'FACE_ALREADY_ENROLLED'],
    ]);
    const bella = await apiClient(() => visage.url, ADMIN_AUTH).get('/v1/members?wechat=wx-bella');
    expect(bella.body.members[0]).toMatchObject({ name: 'Wu, Bella "BB"', phone: '+8613600000001', consent: { source: 'paper form 2026' } });

    const { rows: before } = await sql.query('SELECT (SELECT count(*) FROM members)::int AS m, (SELECT count(*) FROM face_templates)::int AS t');
    await fs.rm(path.join(work, 'members', '.visage-import.json')); // even with its progress file lost
    const second = await visageCli(operatorKey, 'import', 'members', '--consent-source', 'paper form 2026', '--csv', 'mapping.csv');
    expect(second.stdout).toContain('4 members, 4 photos enrolled, 3 rejected');
    const { rows: after } = await sql.query('SELECT (SELECT count(*) FROM members)::int AS m, (SELECT count(*) FROM face_templates)::int AS t');
    expect(after[0]).toEqual(before[0]);
  });

  it('exports members and profiles, without descriptors unless asked with an admin key', async () => {
    await visageCli(operatorKey, 'export', '--out', 'members.jsonl');
    const lines = (await fs.readFile(path.join(work, 'members.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    const anna = lines.find((m) => m.name === 'Anna Li');
    expect(anna).toMatchObject({ profile: { tier: 'standard', segment: 'new' }, faceCount: 2 });
    expect(anna.faces).toHaveLength(2);
    expect(JSON.stringify(lines)).not.toContain('"descriptor"');
    const refused = await visageCli(operatorKey, 'export', '--with-descriptors', '--out', 'x.jsonl');
    expect(refused.stderr).toContain('FORBIDDEN');
    await visageCli(TEST_ADMIN_KEY, 'export', '--with-descriptors', '--out', 'with.jsonl');
    const withDescriptors = (await fs.readFile(path.join(work, 'with.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(withDescriptors.find((m) => m.name === 'Anna Li').faces[0].descriptor).toHaveLength(768);
  });

  it('exports the partner programmes with --partners', async () => {
    const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' };
    const partner = { id: 'airline', name: 'Airline Miles', pointsOut: 0.25, pointsIn: 4, minPoints: 100, maxPoints: 50000, tierMap: { elite: 'gold' } };
    expect((await fetch(`${visage.url}/v1/partners`, { method: 'POST', headers: admin, body: JSON.stringify(partner) })).status).toBe(201);
    await visageCli(operatorKey, 'export', '--partners', '--out', 'partners.jsonl');
    const lines = (await fs.readFile(path.join(work, 'partners.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([expect.objectContaining(partner)]);
  });

  it('exports the brands and their groups with --brands', async () => {
    const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' };
    const brand = { id: 'cli-brand', name: 'CLI Brand', groupId: 'cli-group' };
    expect((await fetch(`${visage.url}/v1/brands`, { method: 'POST', headers: admin, body: JSON.stringify(brand) })).status).toBe(201);
    await visageCli(operatorKey, 'export', '--brands', '--out', 'brands.jsonl');
    const lines = (await fs.readFile(path.join(work, 'brands.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual(expect.arrayContaining([expect.objectContaining(brand)]));
  });
});
