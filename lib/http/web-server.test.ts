import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRoute, ORIGIN, startAuthHarness, type AuthHarness } from '../auth/testing/harness';
import { MAX_FAILURES_PER_IP } from '../auth/rate-limit';
import { parseTrustedProxies } from './forwarded';
import { createWebServer } from './web-server';

type Handler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

/** The login route behind Keywatch's web server, over real HTTP, as `npm start` serves it. */
async function serveLogin(trust: string | undefined): Promise<{ url: string; server: http.Server }> {
  const login = (await loadRoute('/api/auth/login')).POST as Handler;
  const server = createWebServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    // The harness's origin, so the Origin check sees the host it expects.
    headers.set('host', new URL(ORIGIN).host);
    const answer = await login(new Request(`${ORIGIN}${req.url}`, { method: req.method, headers, body: Buffer.concat(chunks) }), { params: Promise.resolve({}) });
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(await answer.text());
  }, parseTrustedProxies(trust));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('the web server decides the client address (issue 15, finding 3)', () => {
  let h: AuthHarness;
  const servers: http.Server[] = [];
  beforeAll(async () => {
    h = await startAuthHarness();
  });
  afterAll(async () => {
    for (const s of servers) await new Promise((resolve) => s.close(resolve));
    await h?.close();
  });

  it('rotating X-Forwarded-For does not escape the per-address sign-in limit', async () => {
    const { url, server } = await serveLogin(undefined);
    servers.push(server);
    const statuses: number[] = [];
    for (let i = 0; i <= MAX_FAILURES_PER_IP; i++) {
      // A new username and a new forged address each time: before, each attempt looked like a new client.
      const res = await fetch(`${url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: ORIGIN, 'x-forwarded-for': `203.0.113.${i}` },
        body: JSON.stringify({ username: `guess-${i}`, password: 'not-a-password-1' }),
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, MAX_FAILURES_PER_IP).every((s) => s === 401)).toBe(true);
    expect(statuses[MAX_FAILURES_PER_IP]).toBe(429);
    // The audit log names the socket peer, not the forged address.
    const ips = new Set((await h.prisma.auditEvent.findMany({ where: { action: 'auth.login' } })).map((e) => e.ip));
    expect([...ips]).toEqual(['127.0.0.1']);
    // And a victim's address cannot be locked out by forging it: 203.0.113.5 has no failures.
    expect(await h.prisma.loginAttempt.count({ where: { ip: '203.0.113.5' } })).toBe(0);
  });

  it('behind a trusted proxy the address it forwards counts', async () => {
    const { url, server } = await serveLogin('127.0.0.1');
    servers.push(server);
    const res = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ORIGIN, 'x-forwarded-for': '198.51.100.23' },
      body: JSON.stringify({ username: 'someone', password: 'not-a-password-1' }),
    });
    expect(res.status).toBe(401);
    expect(await h.prisma.loginAttempt.count({ where: { ip: '198.51.100.23' } })).toBe(1);
  });
});
