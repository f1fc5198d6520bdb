import { NextRequest } from 'next/server';
import { describe, expect, it } from 'vitest';
import { proxy } from '../../proxy';

describe('security headers from proxy.ts (issue 15, finding 16)', () => {
  it('sends HSTS over HTTPS (directly or from a trusted TLS proxy), never over plain http', () => {
    const direct = proxy(new NextRequest('https://keywatch.example/login'));
    expect(direct.headers.get('strict-transport-security')).toBe('max-age=31536000');
    expect(direct.headers.get('content-security-policy')).toContain('upgrade-insecure-requests');
    // lib/http/web-server.ts passes X-Forwarded-Proto only from a trusted proxy.
    const proxied = proxy(new NextRequest('http://127.0.0.1:3000/login', { headers: { 'x-forwarded-proto': 'https' } }));
    expect(proxied.headers.get('strict-transport-security')).toBe('max-age=31536000');
    const plain = proxy(new NextRequest('http://127.0.0.1:3000/login'));
    expect(plain.headers.get('strict-transport-security')).toBeNull();
    expect(plain.headers.get('x-frame-options')).toBe('DENY');
  });
});
