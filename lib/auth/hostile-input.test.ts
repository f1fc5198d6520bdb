import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueCertificate } from '../pki/certificates';
import { getSecretBox } from '../secrets/keyring';
import { createKmsProvider, createVcenter } from '../targets/store';
import { ROLES } from './policy';
import { ROUTE_POLICIES, type HttpMethod } from './route-policy';
import { call, loadRoute, REPO_ROOT, startAuthHarness, type AuthHarness, type Caller } from './testing/harness';

/**
 * Issue 15: hostile input against every route the registry (lib/auth/route-policy.ts) declares
 * that has a route file — so routes added later are attacked as soon as they exist. Malformed
 * JSON, wrong types, huge strings, unicode oddities, path traversal in ids, oversized bodies and
 * bad query strings, as anonymous, as each role and as an admin token. Every answer must be a
 * clear refusal (or success), never a 500, a stack trace or a secret.
 */
const ALLOWED = new Set([200, 201, 302, 400, 401, 403, 404, 409, 413, 415, 429]);
const STACK = /\bat [\w$.<>[\] ]+ \(|\.tsx?:\d+:\d+|node_modules\/|\bTypeError\b|\bReferenceError\b|Prisma(Client)?[A-Z]\w*Error|invalid input syntax/;
const VC_PASSWORD = 'hostile-suite-vcenter-secret-9d1f';

const ID_VALUES = [
  'no-such-id',
  '../../../../etc/passwd',
  '..%2F..%2F..%2Fetc%2Fpasswd',
  '..\\..\\windows\\win.ini',
  '%00',
  '\u0000',
  // (Bare "." and ".." segments never reach a handler: every URL parser folds them away first.)
  'x'.repeat(5000),
  '\u202Eevil\u200B\uFEFF',
  '\uD800',
  '😀'.repeat(40),
  "' OR '1'='1' --",
  '${jndi:ldap://127.0.0.1/a}',
  '__proto__',
  'constructor',
];

const RAW_BODIES: Array<{ what: string; body: string; type?: string }> = [
  { what: 'truncated JSON', body: '{"name": ' },
  { what: 'not JSON', body: 'name=x&password=y' },
  { what: 'empty', body: '' },
  { what: 'null', body: 'null' },
  { what: 'array', body: '[]' },
  { what: 'string', body: '"x"' },
  { what: 'number', body: '1e309' },
  { what: 'deep nesting', body: `${'['.repeat(3000)}${']'.repeat(3000)}` },
  { what: 'prototype pollution', body: '{"__proto__": {"role": "admin", "isAllowed": true}, "constructor": {"prototype": {"admin": true}}}' },
  { what: 'wrong content type', body: '{"name":"x"}', type: 'text/plain' },
  { what: 'lone surrogate escapes', body: '{"name":"\\ud800","username":"\\udfff","password":"\\u0000"}' },
];

const OBJECT_BODIES: Array<{ what: string; body: unknown }> = [
  {
    what: 'wrong types',
    body: { name: 123, username: ['admin'], password: { $ne: null }, role: 'root', scopes: 'admin', expiresInDays: '9999', nodes: 'kms:5696', url: 42, caPem: true, code: [], token: {}, disabled: 'yes', displayName: 7, currentPassword: null, newPassword: 1 },
  },
  { what: 'huge strings', body: { name: 'n'.repeat(60_000), username: 'u'.repeat(3000), password: 'p'.repeat(3000), url: `https://${'h'.repeat(3000)}.example` } },
  { what: 'unicode oddities', body: { name: '\u202Egnp.exe\u0000', username: 'adm\u0131n', password: '\uD83D', url: 'https://xn--80ak6aa92e.com\u2028', displayName: '\u0000\u0007\u001b[31m' } },
  { what: 'path traversal values', body: { name: '../../etc/passwd', url: 'file:///etc/passwd', caPem: '-----BEGIN CERTIFICATE-----\n../../etc/shadow\n-----END CERTIFICATE-----', nodes: [{ host: '../..', port: 5696 }], token: '../setup' } },
  {
    what: 'valid shapes carrying NUL',
    body: { name: 'nul\u0000name', scopes: ['read'], expiresInDays: 1, username: 'nul-user', role: 'viewer', password: 'long-enough-password-\u0000', displayName: 'x\u0000y', commonName: 'cn\u0000', currentPassword: 'x', newPassword: 'another-long-password\u0000', code: '12\u000034' },
  },
  { what: 'numbers out of range', body: { expiresInDays: 1e308, nodes: [{ host: 'kms', port: -1 }], limit: Number.MAX_SAFE_INTEGER } },
];

const QUERIES = ['?limit=-1', '?limit=abc&before=' + 'x'.repeat(5000), '?since=yesterday&until=%00', '?action=%E0%A4%A&actor=%C0%AF', '?returnTo=%2F%5Cevil.example&reauth=1', '?__proto__[admin]=1&outcome=all'];

function concrete(pattern: string, value: (name: string) => string): { path: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  const filled = pattern.replace(/\[(?:\.\.\.)?([^\]]+)\]/g, (_m, name: string) => {
    params[name] = value(name);
    // A lone surrogate cannot be percent-encoded; the URL carries U+FFFD, the handler the raw value.
    return encodeURIComponent(params[name].replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'));
  });
  return { path: filled, params };
}

describe('hostile input against every declared route', () => {
  let h: AuthHarness;
  let adminToken: string;
  let secrets: string[];
  beforeAll(async () => {
    h = await startAuthHarness();
    adminToken = await h.token(['admin']);
    // Secrets that must never come back in any answer.
    const ca = createCertificateAuthority({ commonName: 'hostile-ca' });
    const client = issueCertificate(ca, { commonName: 'hostile-client', kind: 'client' });
    await createVcenter(h.prisma, getSecretBox(), { name: 'hostile-vc', url: 'https://hostile-vc.example.test', username: 'svc', password: VC_PASSWORD });
    await createKmsProvider(h.prisma, getSecretBox(), { name: 'hostile-kms', nodes: [{ host: 'kms.example.test', port: 5696 }], caPem: ca.certPem, clientCertPem: client.certPem, clientKeyPem: client.keyPem });
    const envelopes = await h.prisma.vcenterTarget.findMany({ select: { passwordEnc: true } });
    secrets = [
      VC_PASSWORD,
      ...client.keyPem.split('\n').filter((l) => l.length > 40 && !l.startsWith('-----')),
      Buffer.from(process.env.KEYWATCH_MASTER_KEY!, 'base64').toString('base64'),
      ...envelopes.map((e) => e.passwordEnc),
      adminToken,
      '$argon2id$',
      'BEGIN PRIVATE KEY',
      'BEGIN RSA PRIVATE KEY',
    ];
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('answers every request with a clear status, no stack trace, no secret; prints how many it tried', async () => {
    let requests = 0;
    let routeMethods = 0;
    const notBuilt: string[] = [];
    const failures: string[] = [];

    const check = async (label: string, res: Response) => {
      requests += 1;
      const text = await res.text();
      const headers = [...res.headers].filter(([name]) => name !== 'set-cookie').map(([n, v]) => `${n}: ${v}`).join('\n');
      if (!ALLOWED.has(res.status)) failures.push(`${label} → ${res.status} ${text.slice(0, 200)}`);
      const leak = STACK.exec(text);
      if (leak) failures.push(`${label} → stack trace or internals (${leak[0]}): ${text.slice(Math.max(0, leak.index - 100), leak.index + 100)}`);
      for (const secret of secrets) if (text.includes(secret) || headers.includes(secret)) failures.push(`${label} → leaks a secret (${secret.slice(0, 12)}…)`);
      if (res.status >= 400 && text && !/^application\/json/.test(res.headers.get('content-type') ?? '')) failures.push(`${label} → ${res.status} without a JSON body`);
    };

    for (const entry of ROUTE_POLICIES) {
      if (!existsSync(path.join(REPO_ROOT, 'app', entry.pattern, 'route.ts'))) {
        notBuilt.push(entry.pattern);
        continue;
      }
      const mod = await loadRoute(entry.pattern);
      for (const method of Object.keys(entry.methods) as HttpMethod[]) {
        if (typeof mod[method] !== 'function') continue;
        routeMethods += 1;
        // Fresh sessions per route: a sign-out or a password change must not spoil the next route.
        const callers: Array<{ who: string; as: Caller }> = [{ who: 'anonymous', as: { kind: 'anonymous' } }, { who: 'token:admin', as: { kind: 'token', token: adminToken } }];
        for (const role of ROLES) callers.push({ who: role, as: { kind: 'session', ...(await h.session(role)) } });
        const hasParams = entry.pattern.includes('[');
        for (const { who, as } of callers) {
          const send = async (what: string, opts: { path: string; params: Record<string, string>; body?: unknown; rawBody?: string; headers?: Record<string, string> }) => {
            const label = `${who} ${method} ${entry.pattern} (${what})`;
            try {
              await check(label, await call({ pattern: entry.pattern, method, as, ...opts }));
            } catch (error) {
              requests += 1;
              failures.push(`${label} → threw ${error instanceof Error ? error.message : String(error)}`);
            }
          };
          const plain = concrete(entry.pattern, () => 'no-such-id');
          if (hasParams) for (const id of ID_VALUES) await send(`id ${JSON.stringify(id.slice(0, 20))}`, { ...concrete(entry.pattern, () => id), ...(method !== 'GET' && { body: {} }) });
          if (method === 'GET') {
            for (const query of QUERIES) await send(`query ${query.slice(0, 30)}`, { ...plain, path: plain.path + query });
            continue;
          }
          for (const raw of RAW_BODIES) await send(raw.what, { ...plain, rawBody: raw.body, headers: { 'content-type': raw.type ?? 'application/json' } });
          for (const object of OBJECT_BODIES) await send(object.what, { ...plain, body: object.body });
          await send('oversized body', { ...plain, rawBody: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }) });
          await send('oversized declared length', { ...plain, rawBody: '{}', headers: { 'content-length': String(50 * 1024 * 1024) } });
        }
      }
    }
    console.log(`hostile-input suite: ${requests} requests to ${routeMethods} route methods (${ROUTE_POLICIES.length - notBuilt.length} routes with a route file; ${notBuilt.length} declared routes not built yet: ${notBuilt.join(', ')})`);
    expect(failures, failures.slice(0, 30).join('\n')).toEqual([]);
    expect(routeMethods).toBeGreaterThanOrEqual(30);
    expect(requests).toBeGreaterThan(1000);
  }, 600_000);
});
