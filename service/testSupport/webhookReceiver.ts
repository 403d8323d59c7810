import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { eventually } from './tools.js';

/** One request the receiver got, as a mall system would see it. */
export interface ReceivedWebhook {
  webhookId: string;
  /** Whether the Standard Webhooks library accepted the signature (with the secret set at the time). */
  verified: boolean;
  event: { id: string; type: string; occurredAt: string; data: Record<string, unknown> };
  status: number;
  at: number;
}

/** What the receiver answers to a request: a status, and how long it takes to say it. */
export type Reply = (request: ReceivedWebhook, nth: number) => { status: number; delayMs?: number; headers?: Record<string, string>; body?: Buffer };

/**
 * A real HTTP receiver on loopback, as a CRM would run one: every request is verified with the
 * `standardwebhooks` library against the subscription's secret, and duplicates (the same
 * `webhook-id`, sent again after a lost answer) are what `unique()` drops.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** Set once the subscription is created (its secret is answered then). */
  secret = '';
  reply: Reply = () => ({ status: 200 });
  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<WebhookReceiver> {
    const server = http.createServer();
    const receiver = new WebhookReceiver(server);
    server.on('request', (req, res) => void receiver.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    let verified: boolean;
    try {
      new Webhook(this.secret).verify(body, req.headers as Record<string, string>);
      verified = true;
    } catch {
      verified = false;
    }
    const request: ReceivedWebhook = { webhookId: String(req.headers['webhook-id']), verified, event: JSON.parse(body) as ReceivedWebhook['event'], status: 0, at: Date.now() };
    const { status, delayMs, headers, body: answer } = this.reply(request, this.received.filter((r) => r.webhookId === request.webhookId).length);
    request.status = status;
    this.received.push(request);
    if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
    res.on('error', () => undefined); // the sender may cut a long answer off
    res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(answer ?? (status < 300 ? 'ok' : 'no'));
  }

  /** The events accepted (2xx), each once: what a receiver dropping duplicates by webhook-id keeps. */
  unique(): ReceivedWebhook[] {
    const seen = new Map<string, ReceivedWebhook>();
    for (const request of this.received) if (request.status < 300 && !seen.has(request.webhookId)) seen.set(request.webhookId, request);
    return [...seen.values()];
  }

  of(type: string): ReceivedWebhook[] {
    return this.unique().filter((r) => r.event.type === type);
  }

  /** Waits until events of `type` have been accepted; answers them. */
  waitFor(type: string, ms: number): Promise<ReceivedWebhook[]> {
    return eventually(ms, () => Promise.resolve(this.of(type).length > 0 && this.of(type)));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
