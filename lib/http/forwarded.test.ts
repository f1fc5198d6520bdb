import { describe, expect, it } from 'vitest';
import { parseTrustedProxies, resolveClient, rewriteForwardedHeaders, TrustedProxiesError } from './forwarded';

describe('client address from the socket and KEYWATCH_TRUSTED_PROXIES (issue 15, finding 3)', () => {
  const none = parseTrustedProxies(undefined);

  it('without trusted proxies: the socket peer, whatever X-Forwarded-For says', () => {
    // Before: the left-most X-Forwarded-For entry, which any client can write.
    expect(resolveClient('::ffff:192.0.2.7', '203.0.113.9', none)).toEqual({ clientIp: '192.0.2.7', peerTrusted: false });
    expect(resolveClient('::1', undefined, none).clientIp).toBe('::1');
  });

  it('a hop count trusts that many nearest hops', () => {
    const one = parseTrustedProxies('1');
    // nginx at 10.0.0.2 appended the real client; the client's own forged entry sits further left.
    expect(resolveClient('10.0.0.2', '6.6.6.6, 198.51.100.4', one).clientIp).toBe('198.51.100.4');
    expect(resolveClient('10.0.0.2', undefined, one).clientIp).toBe('10.0.0.2');
    const two = parseTrustedProxies('2');
    expect(resolveClient('10.0.0.2', '6.6.6.6, 198.51.100.4, 10.0.0.9', two).clientIp).toBe('198.51.100.4');
  });

  it('CIDRs trust only the proxies in them; the nearest address outside is the client', () => {
    const cidrs = parseTrustedProxies('10.0.0.0/8, 2001:db8::/32, 192.0.2.1');
    expect(resolveClient('10.1.2.3', '6.6.6.6, 198.51.100.4, 10.9.9.9', cidrs)).toEqual({ clientIp: '198.51.100.4', peerTrusted: true });
    expect(resolveClient('192.0.2.1', '198.51.100.4', cidrs).clientIp).toBe('198.51.100.4');
    expect(resolveClient('2001:db8::5', '198.51.100.4', cidrs).clientIp).toBe('198.51.100.4');
    // A peer outside the list is the client itself, and its forwarded headers are dropped.
    expect(resolveClient('198.51.100.77', '10.0.0.1', cidrs)).toEqual({ clientIp: '198.51.100.77', peerTrusted: false });
    // Garbage in the chain stops the walk at the last address a trusted hop vouched for.
    expect(resolveClient('10.1.2.3', 'not-an-ip, 10.2.2.2', cidrs).clientIp).toBe('10.2.2.2');
  });

  it('rewrites the headers Next will see: one address, proto / host only from a trusted proxy', () => {
    const forged: Record<string, string | string[] | undefined> = { 'x-forwarded-for': '1.2.3.4', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example', 'x-real-ip': '1.2.3.4' };
    rewriteForwardedHeaders(forged, '127.0.0.1', none);
    expect(forged).toEqual({ 'x-forwarded-for': '127.0.0.1' });
    const proxied: Record<string, string | string[] | undefined> = { 'x-forwarded-for': '198.51.100.4', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'keywatch.example' };
    rewriteForwardedHeaders(proxied, '10.0.0.2', parseTrustedProxies('10.0.0.0/8'));
    expect(proxied).toEqual({ 'x-forwarded-for': '198.51.100.4', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'keywatch.example' });
  });

  it('refuses settings it cannot read, with what is wrong', () => {
    expect(() => parseTrustedProxies('0')).toThrow(TrustedProxiesError);
    expect(() => parseTrustedProxies('10.0.0.0/33')).toThrow(/prefix length/);
    expect(() => parseTrustedProxies('proxy.example')).toThrow(/not an IP address or CIDR/);
  });
});
