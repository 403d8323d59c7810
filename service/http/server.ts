import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

export interface HttpServer {
  url: string;
  close: () => Promise<void>;
}

/**
 * Listens with the app. Slow uploads must not hold a socket for ever: the whole request (headers
 * and body) has `requestTimeoutSeconds`, checked every second; the client gets 408.
 */
export async function listen(app: Express, options: { host: string; port: number; requestTimeoutSeconds: number }): Promise<HttpServer> {
  const requestTimeoutMs = options.requestTimeoutSeconds * 1000;
  const server = http.createServer({ requestTimeout: requestTimeoutMs, headersTimeout: Math.min(10_000, requestTimeoutMs), connectionsCheckingInterval: 1_000 }, app);
  server.listen(options.port, options.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}
