import pg from 'pg';
import type { Logger } from 'pino';

export interface ChangeListener {
  close(): Promise<void>;
}

const RECONNECT_MS = 1_000;

/**
 * LISTENs on a channel with its own connection (a pooled one would be handed to other queries),
 * calling `onNotify` for each notification and once after every (re)connection, since
 * notifications sent while disconnected are lost. Reconnects by itself; polling covers the gaps.
 */
export function listenForChanges(databaseUrl: string, channel: string, onNotify: () => void, logger: Logger): ChangeListener {
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async () => {
    if (closed) return;
    const next = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
    next.on('notification', () => onNotify());
    next.on('error', () => undefined); // 'end' follows and schedules the reconnection
    next.on('end', () => {
      if (client === next) client = undefined;
      scheduleReconnect();
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      if (closed) {
        await next.end();
        return;
      }
      client = next;
      onNotify();
    } catch (error) {
      logger.debug({ err: error }, 'change listener could not connect; retrying');
      await next.end().catch(() => undefined);
      scheduleReconnect();
    }
  };

  const scheduleReconnect = () => {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, RECONNECT_MS);
    retry.unref();
  };

  void connect();
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      await client?.end().catch(() => undefined);
    },
  };
}
