import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isolatedVisagePerFile, TEST_ADMIN_KEY } from '../testSupport/testVisage.js';

/** The audit chain through the API and `visage audit verify`: an edit, a removal in SQL, found. */
const file = isolatedVisagePerFile();
const { api } = file;


async function verify(): Promise<{ code: number; out: string }> {
  const run = promisify(execFile)(process.execPath, ['service/cli/visage.mjs', '--url', file.service.visage.url, '--key', TEST_ADMIN_KEY, 'audit', 'verify'], {
    cwd: path.resolve(import.meta.dirname, '../..'),
  });
  return run.then(
    ({ stdout }) => ({ code: 0, out: stdout }),
    (error: { code: number; stdout: string }) => ({ code: error.code, out: error.stdout }),
  );
}

describe('tamper-evident audit', () => {
  it('verifies an untouched chain, and names the first record edited or removed in SQL', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await api.post('/v1/members', { name: `Audited ${i}`, consent: { faceRecognition: true, source: 'desk' } })).status).toBe(201);
    }
    const intact = await verify();
    expect(intact.code).toBe(0);
    expect(intact.out).toMatch(/audit chain intact: \d+ records/);

    const { rows } = await file.service.sql.query("SELECT id, outcome FROM audit_log WHERE action = 'member.create' ORDER BY id");
    expect(rows.length).toBeGreaterThanOrEqual(5);
    const victim = rows[2];
    // Someone with database access rewrites what happened.
    await file.service.sql.query("UPDATE audit_log SET outcome = 'VALIDATION_FAILED' WHERE id = $1", [victim.id]);
    const edited = await verify();
    expect(edited.code).toBe(1);
    expect(edited.out).toContain(`BROKEN at record ${victim.id}`);
    expect(edited.out).toContain('the record was changed');

    // Put back, it holds again; a removed record breaks the link of the one after it.
    await file.service.sql.query('UPDATE audit_log SET outcome = $2 WHERE id = $1', [victim.id, victim.outcome]);
    expect((await verify()).code).toBe(0);
    await file.service.sql.query('DELETE FROM audit_log WHERE id = $1', [rows[1].id]);
    const removed = await verify();
    expect(removed.code).toBe(1);
    expect(removed.out).toContain(`BROKEN at record ${rows[2].id}`);
    expect(removed.out).toContain('a record was removed or inserted before it');
  });
});
