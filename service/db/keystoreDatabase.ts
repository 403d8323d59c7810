import { connectClient } from './pool.js';

/** The keystore beside a database: the same server, the database's name with `_keys` appended. */
export function keystoreUrlBeside(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres';
  url.pathname = `/${encodeURIComponent(`${name}_keys`)}`;
  return url.toString();
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * Makes sure the keystore's database exists, creating it through `serverUrl` (a database on the
 * same server) when it does not. Replicas starting together: the one that loses the race finds it
 * made. Without the right to create databases, says which setting to use instead.
 */
export async function ensureKeystoreDatabase(keystoreUrl: string, serverUrl: string): Promise<void> {
  try {
    await (await connectClient(keystoreUrl)).end().catch(() => undefined);
    return;
  } catch (error) {
    if ((error as { code?: string }).code !== '3D000') throw error; // 3D000: no such database
  }
  const name = decodeURIComponent(new URL(keystoreUrl).pathname.replace(/^\//, ''));
  const admin = await connectClient(serverUrl);
  try {
    await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
  } catch (error) {
    const code = (error as { code?: string }).code;
    // Another replica made it first (42P04), or at the same moment (23505 on pg_database's name).
    if (code === '42P04' || code === '23505') return;
    if (code === '42501') {
      throw new Error(`the keystore database "${name}" does not exist and this role may not create it: create it, or set KEYSTORE_DATABASE_URL to one that exists`, { cause: error });
    }
    throw error;
  } finally {
    await admin.end().catch(() => undefined);
  }
}
