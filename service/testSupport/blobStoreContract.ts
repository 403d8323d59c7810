import { expect } from 'vitest';
import { facePhotoKey, memberPhotoPrefix, type BlobStore } from '../blob/blobStore.js';

/** What every blob store must do: write, read, list and delete by key and by member prefix. */
export async function checkBlobStoreContract(store: BlobStore): Promise<void> {
  const a = facePhotoKey('m1', 'f1', 'jpg');
  const b = facePhotoKey('m1', 'f2', 'png');
  const other = facePhotoKey('m2', 'f3', 'jpg');
  await store.put(a, Buffer.from('a'), 'image/jpeg');
  await store.put(b, Buffer.from('b'), 'image/png');
  await store.put(other, Buffer.from('c'), 'image/jpeg');
  expect((await store.get(a))?.toString()).toBe('a');
  expect(await store.get('members/m1/faces/none.jpg')).toBeUndefined();
  expect(await store.list(memberPhotoPrefix('m1'))).toEqual([a, b]);
  expect(await store.delete(a)).toBe(true);
  expect(await store.delete(a)).toBe(false);
  expect(await store.deletePrefix(memberPhotoPrefix('m1'))).toBe(1);
  expect(await store.list(memberPhotoPrefix('m1'))).toEqual([]);
  expect(await store.list(memberPhotoPrefix('m2'))).toEqual([other]);
  expect(await store.deletePrefix(memberPhotoPrefix('nobody'))).toBe(0);
}
