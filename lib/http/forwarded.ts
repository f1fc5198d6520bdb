import { BlockList, isIP } from 'node:net';

/**
 * Which X-Forwarded-* headers to believe. The client address is the socket peer unless
 * KEYWATCH_TRUSTED_PROXIES says which hops are Keywatch's own reverse proxies:
 *  - a number N: the N nearest hops (the peer and N-1 addresses from the right of X-Forwarded-For)
 *    are proxies; the address before them is the client. Use it only when nothing but the proxy
 *    can reach Keywatch's port.
 *  - a comma-separated list of addresses / CIDRs: hops inside them are proxies; the client is the
 *    nearest address outside them.
 * Unset: no proxy is trusted; X-Forwarded-For/-Proto/-Host from clients are dropped.
 */
export type TrustedProxies = { kind: 'none' } | { kind: 'hops'; hops: number } | { kind: 'cidrs'; list: BlockList; text: string };

export class TrustedProxiesError extends Error {
  override name = 'TrustedProxiesError';
}

export function parseTrustedProxies(text: string | undefined): TrustedProxies {
  const value = (text ?? '').trim();
  if (!value) return { kind: 'none' };
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops < 1 || hops > 10) throw new TrustedProxiesError('must be a hop count from 1 to 10, or addresses / CIDRs such as 10.0.0.5,192.168.0.0/16');
    return { kind: 'hops', hops };
  }
  const list = new BlockList();
  for (const entry of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [address, prefixText] = entry.split('/') as [string, string | undefined];
    const family = isIP(address);
    if (family === 0) throw new TrustedProxiesError(`has "${entry}", which is not an IP address or CIDR`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefixText === undefined) list.addAddress(address, type);
    else {
      const prefix = Number(prefixText);
      if (!/^\d+$/.test(prefixText) || prefix > (family === 4 ? 32 : 128)) throw new TrustedProxiesError(`has "${entry}", whose prefix length is not valid`);
      list.addSubnet(address, prefix, type);
    }
  }
  return { kind: 'cidrs', list, text: value };
}

/** '::ffff:10.0.0.1' → '10.0.0.1'; '[::1]' → '::1'; anything not an IP → undefined. */
export function normalizeAddress(value: string | undefined): string | undefined {
  if (!value) return undefined;
  let address = value.trim();
  if (address.startsWith('[') && address.includes(']')) address = address.slice(1, address.indexOf(']'));
  if (/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address)) address = address.slice(7);
  return isIP(address) ? address : undefined;
}

function isTrusted(trust: Extract<TrustedProxies, { kind: 'cidrs' }>, address: string): boolean {
  return trust.list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

export interface ForwardedView {
  /** The client's address as far as the trusted hops vouch for it. */
  clientIp: string;
  /** Whether the socket peer is a trusted proxy, so its X-Forwarded-Proto / -Host count. */
  peerTrusted: boolean;
}

export function resolveClient(peer: string | undefined, forwardedFor: string | undefined, trust: TrustedProxies): ForwardedView {
  const socketPeer = normalizeAddress(peer) ?? 'unknown';
  if (trust.kind === 'none') return { clientIp: socketPeer, peerTrusted: false };
  // The chain as the nearest proxy sees it: client, proxy 1, …, then the socket peer last.
  const hops = (forwardedFor ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const chain = [...hops, socketPeer];
  if (trust.kind === 'hops') {
    const index = Math.max(0, chain.length - 1 - trust.hops);
    return { clientIp: normalizeAddress(chain[index]) ?? socketPeer, peerTrusted: true };
  }
  if (!isTrusted(trust, socketPeer)) return { clientIp: socketPeer, peerTrusted: false };
  for (let i = chain.length - 1; i >= 0; i--) {
    const address = normalizeAddress(chain[i]);
    // Garbage in the header ends the walk: nothing left of it can be vouched for.
    if (!address) return { clientIp: normalizeAddress(chain[i + 1]) ?? socketPeer, peerTrusted: true };
    if (!isTrusted(trust, address)) return { clientIp: address, peerTrusted: true };
  }
  return { clientIp: normalizeAddress(chain[0]) ?? socketPeer, peerTrusted: true };
}

type HeaderBag = Record<string, string | string[] | undefined>;

const one = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value.join(',') : value);

/**
 * Rewrites an incoming request's headers before the app sees them: X-Forwarded-For becomes the
 * one client address (so handlers can read it without knowing about proxies), and
 * X-Forwarded-Proto / -Host survive only from a trusted proxy (they decide Secure cookies, HSTS
 * and the CSRF Origin check).
 */
export function rewriteForwardedHeaders(headers: HeaderBag, peer: string | undefined, trust: TrustedProxies): ForwardedView {
  const view = resolveClient(peer, one(headers['x-forwarded-for']), trust);
  headers['x-forwarded-for'] = view.clientIp;
  if (!view.peerTrusted) {
    delete headers['x-forwarded-proto'];
    delete headers['x-forwarded-host'];
    delete headers['x-forwarded-port'];
    delete headers['forwarded'];
    delete headers['x-real-ip'];
  }
  return view;
}
