import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from '../testSupport/apiClient.js';
import { isolatedVisagePerFile } from '../testSupport/testVisage.js';
import { WebhookReceiver } from '../testSupport/webhookReceiver.js';
import { forbiddenAddress, WebhookAddressGuard } from './webhookAddressGuard.js';
import { sendWebhook } from './webhookSender.js';

/** Webhooks cannot be aimed inside (SSRF): refused when subscribed, and again at each delivery. */

describe('addresses webhooks may not reach', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.20.0.5',
    '192.168.1.10',
    '169.254.169.254', // cloud metadata
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fe80::1',
    'fd00:ec2::254', // AWS metadata over IPv6
    '::ffff:127.0.0.1',
    '::ffff:a9fe:a9fe', // 169.254.169.254 mapped into IPv6
    '64:ff9b::10.0.0.1',
  ])('refuses %s', (address) => {
    expect(forbiddenAddress(address)).toMatch(/loopback, private, link-local or reserved/);
  });

  it.each(['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows %s', (address) => {
    expect(forbiddenAddress(address)).toBeUndefined();
  });

  it('judges a name by every address it resolves to, and refuses one that does not resolve', async () => {
    const dns: Record<string, string[]> = { 'hooks.example.com': ['93.184.216.34'], 'sneaky.example.com': ['93.184.216.34', '10.0.0.7'] };
    const guard = new WebhookAddressGuard(false, async (host) => dns[host] ?? Promise.reject(new Error('ENOTFOUND')));
    expect(await guard.refusal('https://hooks.example.com/in')).toBeUndefined();
    expect(await guard.refusal('https://sneaky.example.com/in')).toMatch(/sneaky.example.com: 10.0.0.7/);
    expect(await guard.refusal('https://nowhere.example.com/in')).toMatch(/does not resolve/);
    expect(await guard.refusal('http://[::1]:8080/in')).toMatch(/::1/);
    expect(await new WebhookAddressGuard(true).refusal('http://127.0.0.1/in')).toBeUndefined();
  });
});

describe('at delivery (a name that resolves inside by then: DNS rebinding)', () => {
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await receiver?.close();
  });

  it('does not connect to a forbidden address, by name or literally, and does with WEBHOOK_ALLOW_PRIVATE', async () => {
    const event = { id: 'msg_ssrf', type: 'webhook.test', occurredAt: new Date().toISOString(), data: {} };
    const options = (allowPrivate: boolean) => ({ timeoutMs: 5000, userAgent: 'test', guard: new WebhookAddressGuard(allowPrivate) });
    const port = new URL(receiver.url).port;
    receiver.secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const target = (host: string) => ({ url: `http://${host}:${port}/hooks`, secrets: [receiver.secret] });
    // `localhost` resolves to loopback at the moment of connecting: the lookup refuses it.
    const byName = await sendWebhook(target('localhost'), event, options(false));
    expect(byName).toMatchObject({ delivered: false, statusCode: null });
    expect(byName.error).toMatch(/^refused: /);
    const literal = await sendWebhook(target('127.0.0.1'), event, options(false));
    expect(literal.error).toMatch(/^refused: 127.0.0.1/);
    expect(receiver.received).toHaveLength(0);
    expect(await sendWebhook(target('localhost'), event, options(true))).toMatchObject({ delivered: true, statusCode: 200 });
    expect(receiver.received).toHaveLength(1);
  });
});

describe('subscribing (HTTP, WEBHOOK_ALLOW_PRIVATE unset)', () => {
  const { api } = isolatedVisagePerFile({ WEBHOOK_ALLOW_PRIVATE: 'false' });

  it('refuses loopback, private and metadata URLs with WEBHOOK_URL_NOT_ALLOWED and creates nothing', async () => {
    for (const url of ['http://127.0.0.1:9000/hooks', 'http://localhost/hooks', 'http://169.254.169.254/latest/meta-data/', 'http://10.0.0.5/hooks', 'http://[::1]/hooks']) {
      expectError(await api.post('/v1/webhooks', { url, events: ['member.created'] }), 422, 'WEBHOOK_URL_NOT_ALLOWED');
    }
    expect((await api.call('GET', '/v1/webhooks')).body.webhooks).toEqual([]);
  });
});
