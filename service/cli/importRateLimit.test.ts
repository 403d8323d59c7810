import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../testSupport/apiClient.js';
import { cropFace, PERSON_A, PERSON_B, STRANGERS } from '../testSupport/facePhotos.js';
import { ADMIN_AUTH, type IsolatedVisage, startIsolatedVisage } from '../testSupport/testVisage.js';

/**
 * A bulk import larger than the key's rate limit finishes in one run: the CLI waits as the
 * service's 429 `Retry-After` asks (the limit's window is a minute, so this test takes about one)
 * and its progress line says it is waiting.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
let service: IsolatedVisage;
let work: string;

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'visage-cli-limit-'));
  // 8 requests a minute per key; the import below makes 12 (a lookup and a creation per member, a photo each).
  service = await startIsolatedVisage({ RATE_LIMIT_PER_MINUTE: '8' });
  await service.visage.modelsReady;
  const people = { Ada: [PERSON_A, { width: 300 }], Bo: [PERSON_B, { width: 300 }], Cy: [STRANGERS[0]!, {}], Di: [STRANGERS[1]!, {}] } as const;
  for (const [name, [face, crop]] of Object.entries(people)) {
    await fs.mkdir(path.join(work, 'members', name), { recursive: true });
    await fs.writeFile(path.join(work, 'members', name, '1.jpg'), await cropFace(face, crop));
  }
}, 120_000);

afterAll(async () => {
  await service?.close();
  await fs.rm(work, { recursive: true, force: true });
});

describe('visage import against a low rate limit', () => {
  it('waits out the 429s and enrolls every photo in one run', async () => {
    const key = (await apiClient(() => service.visage.url, ADMIN_AUTH).post('/v1/keys', { role: 'operator', name: 'slow import' })).body.key as string;
    const run = await promisify(execFile)(
      process.execPath,
      [path.join(ROOT, 'service/cli/visage.mjs'), '--url', service.visage.url, '--key', key, 'import', 'members', '--consent-source', 'paper form', '--concurrency', '2'],
      { cwd: work, env: { ...process.env, NODE_OPTIONS: '' } },
    );
    expect(run.stdout).toMatch(/4 members, 4 photos enrolled, 0 rejected .*, 0 errors this run/);
    expect(`${run.stdout}${run.stderr}`).toMatch(/waiting \d+ s \(RATE_LIMITED\)/);
    expect((await service.sql.query('SELECT count(*)::int AS n FROM face_templates')).rows[0].n).toBe(4);
  }, 180_000);
});
