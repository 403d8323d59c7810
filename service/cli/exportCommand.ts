import fs from 'node:fs';
import { callApi, type ApiTarget } from './apiCaller.js';

interface MemberPage {
  items: { id: string }[];
  nextCursor: string | null;
}

/**
 * Members and their profiles as JSON lines. Descriptors (biometric templates) only with
 * `withDescriptors`, which needs an admin key and leaves an audit record per member.
 */
export async function exportCommand(target: ApiTarget, options: { out?: string; withDescriptors: boolean; partners?: boolean; brands?: boolean }): Promise<void> {
  const out = options.out ? fs.createWriteStream(options.out) : process.stdout;
  // Reference data instead of the members: one JSON line each.
  const reference = options.partners ? { path: '/v1/partners', key: 'partners', what: 'partner programmes' } : options.brands ? { path: '/v1/brands', key: 'brands', what: 'brands' } : undefined;
  if (reference) {
    const rows = (await callApi<Record<string, unknown[]>>(target, 'GET', reference.path))[reference.key] ?? [];
    for (const row of rows) out.write(`${JSON.stringify(row)}\n`);
    if (options.out) {
      await new Promise<void>((resolve) => (out as fs.WriteStream).end(resolve));
      console.error(`${rows.length} ${reference.what} exported to ${options.out}`);
    }
    return;
  }
  let cursor: string | null = null;
  let count = 0;
  do {
    const page: MemberPage = await callApi<MemberPage>(target, 'GET', `/v1/members?limit=200${cursor ? `&cursor=${cursor}` : ''}`);
    for (const { id } of page.items) {
      const member = await callApi<Record<string, unknown>>(target, 'GET', `/v1/members/${id}`);
      const faces = options.withDescriptors
        ? (await callApi<{ faces: unknown[] }>(target, 'GET', `/v1/members/${id}/faces/descriptors`)).faces
        : (await callApi<{ faces: unknown[] }>(target, 'GET', `/v1/members/${id}/faces`)).faces;
      out.write(`${JSON.stringify({ ...member, faces })}\n`);
      count++;
    }
    cursor = page.nextCursor;
  } while (cursor);
  if (options.out) {
    await new Promise<void>((resolve) => (out as fs.WriteStream).end(resolve));
    console.error(`${count} members exported to ${options.out}${options.withDescriptors ? ' (with descriptors)' : ''}`);
  }
}
