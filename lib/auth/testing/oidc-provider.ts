import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A minimal OpenID Connect provider for tests: discovery, authorization code with PKCE (S256),
 * token endpoint issuing an RS256 ID token, JWKS. It signs in whoever `nextUser` names.
 */
export interface TestIdentity {
  sub: string;
  preferred_username: string;
  name?: string;
  groups?: string[];
}

export interface TestOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  nextUser: TestIdentity;
  /** When the provider last authenticated the person (seconds since the epoch); max_age renews it. */
  lastAuthAt: number;
  /** How many times an authorization request carried max_age and made the person authenticate again. */
  reauthentications: number;
  /** Leave auth_time out of ID tokens (a provider that does not report it). */
  omitAuthTime: boolean;
  stop(): Promise<void>;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

function signJwt(privateKey: KeyObject, kid: string, payload: Record<string, unknown>): string {
  const head = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
  const body = b64url(JSON.stringify(payload));
  return `${head}.${body}.${b64url(sign('sha256', Buffer.from(`${head}.${body}`), privateKey))}`;
}

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return new URLSearchParams(text);
}

export async function startTestOidcProvider(): Promise<TestOidcProvider> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(4).toString('hex');
  const codes = new Map<string, { nonce: string; challenge: string; redirectUri: string; user: TestIdentity; authTime: number }>();
  const provider = {
    clientId: 'keywatch',
    clientSecret: 'test-client-secret',
    nextUser: { sub: 'u-1', preferred_username: 'sso-user' },
    lastAuthAt: Math.floor(Date.now() / 1000),
    reauthentications: 0,
    omitAuthTime: false,
  } as TestOidcProvider;

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', provider.issuer);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer: provider.issuer,
        authorization_endpoint: `${provider.issuer}/authorize`,
        token_endpoint: `${provider.issuer}/token`,
        jwks_uri: `${provider.issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      });
    }
    if (url.pathname === '/jwks') return json(200, { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] });
    if (url.pathname === '/authorize') {
      const p = url.searchParams;
      if (p.get('client_id') !== provider.clientId || p.get('code_challenge_method') !== 'S256') return json(400, { error: 'invalid_request' });
      const maxAge = p.get('max_age');
      const now = Math.floor(Date.now() / 1000);
      if (maxAge !== null && now - provider.lastAuthAt > Number(maxAge)) {
        // A real provider would show its login page here; the test person simply signs in again.
        provider.lastAuthAt = now;
        provider.reauthentications += 1;
      }
      const code = randomBytes(16).toString('hex');
      codes.set(code, { nonce: p.get('nonce') ?? '', challenge: p.get('code_challenge') ?? '', redirectUri: p.get('redirect_uri') ?? '', user: provider.nextUser, authTime: provider.lastAuthAt });
      const back = new URL(p.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', p.get('state') ?? '');
      back.searchParams.set('iss', provider.issuer);
      res.writeHead(302, { location: back.href });
      return res.end();
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      const form = await readForm(req);
      const basic = req.headers.authorization?.replace(/^Basic /, '');
      const [id, secret] = basic ? Buffer.from(basic, 'base64').toString().split(':').map(decodeURIComponent) : [form.get('client_id'), form.get('client_secret')];
      if (id !== provider.clientId || secret !== provider.clientSecret) return json(401, { error: 'invalid_client' });
      const grant = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      if (!grant || grant.redirectUri !== form.get('redirect_uri')) return json(400, { error: 'invalid_grant' });
      if (b64url(createHash('sha256').update(form.get('code_verifier') ?? '').digest()) !== grant.challenge) return json(400, { error: 'invalid_grant' });
      const now = Math.floor(Date.now() / 1000);
      const idToken = signJwt(privateKey, kid, {
        iss: provider.issuer,
        aud: provider.clientId,
        iat: now,
        exp: now + 300,
        nonce: grant.nonce,
        ...(!provider.omitAuthTime && { auth_time: grant.authTime }),
        ...grant.user,
      });
      return json(200, { access_token: randomBytes(16).toString('hex'), token_type: 'Bearer', expires_in: 300, id_token: idToken });
    }
    json(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  provider.issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  provider.stop = () => new Promise((resolve) => server.close(() => resolve()));
  return provider;
}
