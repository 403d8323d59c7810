import fs from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsBlobStore } from '../../blob/fsBlobStore.js';
import { migrate } from '../../db/migrate.js';
import { createPool, withTransaction, type Pool } from '../../db/pool.js';
import { PendingBlobDeletionRepository } from '../../repositories/pendingBlobDeletionRepository.js';
import { createTestDatabase, makeDataDir, type TestDatabase } from '../../testSupport/testVisage.js';
import { PhotoEraser } from './photoEraser.js';

/** The real filesystem store, made to fail its next deletions: a blob store outage. */
class FlakyBlobStore extends FsBlobStore {
  failuresLeft = 0;

  override async deletePrefix(prefix: string): Promise<number> {
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new Error('blob store unreachable');
    }
    return super.deletePrefix(prefix);
  }
}

let db: TestDatabase;
let pool: Pool;
let root: string;

beforeAll(async () => {
  db = await createTestDatabase();
  await migrate(db.url, pino({ level: 'silent' }));
  pool = createPool(db.url);
  root = await makeDataDir();
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
  await fs.rm(root, { recursive: true, force: true });
});

describe('PhotoEraser', () => {
  it('keeps an erasure the store could not do, and the sweep finishes it', async () => {
    const blobs = new FlakyBlobStore(root);
    const pending = new PendingBlobDeletionRepository(pool);
    const eraser = new PhotoEraser(blobs, pending, pino({ level: 'silent' }));
    await blobs.put('members/m1/faces/a.jpg', Buffer.from('a'), 'image/jpeg');
    await blobs.put('members/m1/faces/b.jpg', Buffer.from('b'), 'image/jpeg');
    await pending.add('members/m1/');

    blobs.failuresLeft = 1;
    expect(await eraser.erase('members/m1/')).toBeUndefined();
    expect(await pending.list()).toEqual(['members/m1/']);
    expect(await blobs.list('members/m1/')).toHaveLength(2);

    await eraser.sweep();
    expect(await pending.list()).toEqual([]);
    expect(await blobs.list('members/m1/')).toEqual([]);
    await expect(fs.stat(path.join(root, 'members', 'm1'))).rejects.toThrow(); // no empty folders left either
  });

  it("never erases a photo under an enrollment's open transaction, and tells a late enrollment its photo went", async () => {
    const blobs = new FlakyBlobStore(root);
    const pending = new PendingBlobDeletionRepository(pool);
    const eraser = new PhotoEraser(blobs, pending, pino({ level: 'silent' }), 0);
    // An enrollment cancels its photo's erasure inside its transaction: the sweep leaves it alone.
    await pending.add('members/m2/faces/a.jpg');
    await blobs.put('members/m2/faces/a.jpg', Buffer.from('a'), 'image/jpeg');
    await withTransaction(pool, async (tx) => {
      expect(await pending.remove('members/m2/faces/a.jpg', tx)).toBe(true);
      await eraser.sweep(); // SKIP LOCKED: the entry is the enrollment's
      expect(await blobs.list('members/m2/')).toEqual(['members/m2/faces/a.jpg']);
    });
    // An enrollment slower than the grace period: the sweep took the entry, and the enrollment learns it.
    await pending.add('members/m2/faces/b.jpg');
    await blobs.put('members/m2/faces/b.jpg', Buffer.from('b'), 'image/jpeg');
    await eraser.sweep();
    expect(await blobs.list('members/m2/')).toEqual(['members/m2/faces/a.jpg']);
    expect(await pending.remove('members/m2/faces/b.jpg')).toBe(false);
  });
});
