import dns from 'node:dns';
import net from 'node:net';

/**
 * Where webhooks may not be aimed (SSRF): the service's own host, private networks, link-local
 * addresses (the cloud metadata endpoint 169.254.169.254 among them), carrier-grade NAT,
 * multicast and reserved space, IPv4 inside IPv6 (mapped, NAT64) judged by the IPv4 within.
 */
const FORBIDDEN = new net.BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  FORBIDDEN.addSubnet(prefix, bits, 'ipv4');
}
for (const [prefix, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique local (AWS's IPv6 metadata endpoint fd00:ec2::254 too)
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
] as const) {
  FORBIDDEN.addSubnet(prefix, bits, 'ipv6');
}

/** The IPv4 address an IPv6 one carries (::ffff:a.b.c.d, 64:ff9b::/96), if any. */
function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return undefined;
  const [high, low] = [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16)];
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/** Why an address may not receive webhooks; undefined when it may. */
export function forbiddenAddress(address: string): string | undefined {
  const family = net.isIP(address);
  if (family === 0) return 'not an IP address';
  const inner = family === 6 ? embeddedIpv4(address) : undefined;
  if (inner) return forbiddenAddress(inner);
  return FORBIDDEN.check(address, family === 4 ? 'ipv4' : 'ipv6') ? `${address} is a loopback, private, link-local or reserved address` : undefined;
}

export type Resolve = (host: string) => Promise<string[]>;

const systemResolve: Resolve = async (host) => (await dns.promises.lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

/**
 * Checks webhook URLs against FORBIDDEN, unless private targets are allowed
 * (WEBHOOK_ALLOW_PRIVATE: a receiver inside the operator's own network, or tests on loopback).
 * A URL is judged by every address its host resolves to now, and again by the address each
 * delivery connects to (`lookup`): a name that later resolves inside (DNS rebinding) is refused
 * at delivery.
 */
export class WebhookAddressGuard {
  constructor(
    readonly allowPrivate: boolean,
    private readonly resolve: Resolve = systemResolve,
  ) {}

  /** Why this URL may not receive webhooks; undefined when it may. */
  async refusal(url: string): Promise<string | undefined> {
    if (this.allowPrivate) return undefined;
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    let addresses: string[];
    try {
      addresses = net.isIP(host) ? [host] : await this.resolve(host);
    } catch {
      return `${host} does not resolve`;
    }
    if (addresses.length === 0) return `${host} does not resolve`;
    for (const address of addresses) {
      const reason = forbiddenAddress(address);
      if (reason) return `${host}: ${reason}`;
    }
    return undefined;
  }

  /**
   * A `lookup` for the delivery's connection (undici's `connect.lookup`, node's dns.lookup shape):
   * the resolved addresses are checked before the socket opens, so what is checked is what is used.
   */
  readonly lookup = (hostname: string, options: dns.LookupOptions, callback: (error: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void): void => {
    dns.lookup(hostname, { ...options, all: true }, (error, entries: dns.LookupAddress[]) => {
      if (error) return callback(error, []);
      const allowed = this.allowPrivate ? entries : entries.filter((entry) => !forbiddenAddress(entry.address));
      if (allowed.length === 0) {
        const refused: NodeJS.ErrnoException = new Error(`webhook target ${hostname} resolves only to forbidden addresses (${entries.map((e) => e.address).join(', ')})`);
        refused.code = 'EFORBIDDENADDRESS';
        return callback(refused, []);
      }
      if (options.all) return callback(null, allowed);
      return callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  };
}
