import type { PrismaClient } from '../db/client';
import { getPrisma } from '../db/client';
import { authenticate, type Authentication } from './authenticate';
import { ensureAuthBootstrapped } from './bootstrap-once';
import { assertCsrf, isMutation } from './csrf';
import { recordAudit } from '../audit/record';
import { clientIp, domainErrorToHttp, errorResponse, HttpError, jsonResponse } from './http';
import { isAllowed, type Policy } from './policy';
import { findRoutePolicy, SERVER_ACTION_POLICIES } from './route-policy';

export interface RequestContext {
  prisma: PrismaClient;
  auth: Authentication;
  policy: Policy;
  /** For recordAudit: who did it. */
  actor: { type: 'user' | 'token'; id: string; name: string } | { type: 'anonymous' };
}

type RouteContext = { params: Promise<Record<string, string | string[] | undefined>> };

export type PolicyHandler = (request: Request, context: RouteContext, ctx: RequestContext) => Promise<Response> | Response;

function actorOf(auth: Authentication): RequestContext['actor'] {
  if (auth.kind === 'session') return { type: 'user', id: auth.principal.id, name: auth.principal.username };
  if (auth.kind === 'token') return { type: 'token', id: auth.principal.id, name: `token:${auth.principal.name}` };
  return { type: 'anonymous' };
}

/**
 * Decides whether `auth` may use `policy`: throws 401 (no identity) or 403 (identity without the
 * permission, or a cookie mutation without CSRF proof). The single enforcement point.
 */
export function enforcePolicy(request: Request, auth: Authentication, policy: Policy): void {
  if (auth.kind === 'session' && isMutation(request.method)) assertCsrf(request, auth.session.csrfToken);
  if (policy.public) return;
  if (auth.kind === 'anonymous') throw new HttpError(401, 'Sign in or send an API token.', {}, { 'www-authenticate': 'Bearer' });
  if (!isAllowed(auth.principal, policy.permission)) {
    throw new HttpError(403, `This needs the ${policy.permission} permission, which your ${auth.kind === 'token' ? 'token scopes do' : 'role does'} not include.`);
  }
}

let prismaFactory: () => PrismaClient = getPrisma;
/** Tests point handlers at their own database. */
export function setPrismaFactoryForTests(factory: () => PrismaClient): void {
  prismaFactory = factory;
}

/**
 * Wraps a route handler: looks the request's path + method up in the ROUTE_POLICIES registry,
 * authenticates, enforces, and maps HttpError to JSON. The handler never picks its own policy.
 */
export function withPolicy(handler: PolicyHandler): (request: Request, context: RouteContext) => Promise<Response> {
  return async (request, context) => {
    try {
      const pathname = new URL(request.url).pathname;
      const declared = findRoutePolicy(pathname, request.method);
      if (!declared) {
        console.error(`No policy declared for ${request.method} ${pathname}; refusing (add it to lib/auth/route-policy.ts).`);
        return jsonResponse({ error: 'This route has no declared access policy.' }, { status: 500 });
      }
      const prisma = prismaFactory();
      await ensureAuthBootstrapped(prisma);
      const auth = await authenticate(prisma, request);
      try {
        enforcePolicy(request, auth, declared.policy);
      } catch (error) {
        if (error instanceof HttpError && error.status === 403 && auth.kind !== 'anonymous' && isMutation(request.method)) {
          // Someone with an identity tried to change something they may not: worth a trace.
          await recordAudit(prisma, {
            actor: actorOf(auth),
            action: 'access.denied',
            outcome: 'denied',
            ip: clientIp(request),
            details: { method: request.method, path: pathname, reason: error.message },
          }).catch(() => undefined);
        }
        throw error;
      }
      return await handler(request, context, { prisma, auth, policy: declared.policy, actor: actorOf(auth) });
    } catch (error) {
      if (error instanceof HttpError) return errorResponse(error);
      const domain = domainErrorToHttp(error);
      if (domain) return errorResponse(domain);
      console.error(`${request.method} ${new URL(request.url).pathname} failed: ${error instanceof Error ? error.message : String(error)}`);
      return jsonResponse({ error: 'Internal error; see the server log.' }, { status: 500 });
    }
  };
}

/**
 * For server actions ('use server'): the caller passes its registry key; cookies come from
 * next/headers. Keywatch has none yet; this is how one must be written.
 */
export async function authorizeServerAction(actionId: string): Promise<RequestContext> {
  const policy = SERVER_ACTION_POLICIES[actionId];
  if (!policy) throw new HttpError(500, `Server action ${actionId} has no declared access policy.`);
  const { headers } = await import('next/headers');
  const incoming = await headers();
  // Next checks Origin against Host for server actions itself; we still need the identity.
  const request = new Request('http://server-action.local/', { method: 'GET', headers: { cookie: incoming.get('cookie') ?? '' } });
  const prisma = prismaFactory();
  const auth = await authenticate(prisma, request);
  enforcePolicy(request, auth, policy);
  return { prisma, auth, policy, actor: actorOf(auth) };
}
