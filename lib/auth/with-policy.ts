import type { PrismaClient } from '../db/client';
import { getPrisma } from '../db/client';
import { recordAudit, type AuditActor, type AuditAction, type AuditEventInput, type AuditOutcome } from '../audit/record';
import { DomainError, errorResponse, HttpError } from '../http/errors';
import { clientIp } from '../http/request';
import { jsonResponse } from '../http/response';
import { authenticate, pageRequest, type Authentication } from './authenticate';
import { ensureAuthBootstrapped } from './bootstrap-once';
import { assertCsrf, isMutation } from './csrf';
import { isAllowed, type Policy } from './policy';
import { findRoutePolicy, SERVER_ACTION_POLICIES } from './route-policy';

/**
 * Appends an audit event for this request: the actor is the caller and the address the client's,
 * unless `options` names another actor (a sign-in attempt, a just-created first admin). Outcome
 * defaults to success.
 */
export type RequestAudit = (
  action: AuditAction,
  target: AuditEventInput['target'] | null,
  details?: Record<string, unknown>,
  options?: { outcome?: AuditOutcome; actor?: AuditActor },
) => Promise<void>;

export interface RequestContext {
  prisma: PrismaClient;
  auth: Authentication;
  policy: Policy;
  /** Who is calling, as the audit log names them. */
  actor: { type: 'user' | 'token'; id: string; name: string } | { type: 'anonymous' };
  audit: RequestAudit;
}

type RouteContext = { params: Promise<Record<string, string | string[] | undefined>> };

export type PolicyHandler = (request: Request, context: RouteContext, ctx: RequestContext) => Promise<Response> | Response;

function actorOf(auth: Authentication): RequestContext['actor'] {
  if (auth.kind === 'session') return { type: 'user', id: auth.principal.id, name: auth.principal.username };
  if (auth.kind === 'token') return { type: 'token', id: auth.principal.id, name: `token:${auth.principal.name}` };
  return { type: 'anonymous' };
}

function bindAudit(prisma: PrismaClient, actor: RequestContext['actor'], ip: string | null): RequestAudit {
  return (action, target, details, options = {}) =>
    recordAudit(prisma, { actor: options.actor ?? actor, action, outcome: options.outcome ?? 'success', target: target ?? undefined, ip, details });
}

/**
 * Decides whether `auth` may use `policy`: throws 401 (no identity) or 403 (identity without the
 * permission, or a cookie mutation without CSRF proof). The single enforcement point.
 */
export function enforcePolicy(request: Request, auth: Authentication, policy: Policy): void {
  if (auth.kind === 'session' && isMutation(request.method)) assertCsrf(request, auth.session.csrfToken);
  if (policy.public) return;
  if (auth.kind === 'anonymous') throw new HttpError(401, 'Sign in or send an API token.', { headers: { 'www-authenticate': 'Bearer' } });
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
 * authenticates, enforces, and answers a DomainError (HttpError included) with its status. The handler never picks its own policy.
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
      const actor = actorOf(auth);
      const audit = bindAudit(prisma, actor, clientIp(request));
      try {
        enforcePolicy(request, auth, declared.policy);
      } catch (error) {
        if (error instanceof HttpError && error.status === 403 && auth.kind !== 'anonymous' && isMutation(request.method)) {
          // Someone with an identity tried to change something they may not: worth a trace.
          await audit('access.denied', null, { method: request.method, path: pathname, reason: error.message }, { outcome: 'denied' }).catch(() => undefined);
        }
        throw error;
      }
      return await handler(request, context, { prisma, auth, policy: declared.policy, actor, audit });
    } catch (error) {
      if (error instanceof DomainError) return errorResponse(error);
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
  // Next checks Origin against Host for server actions itself; we still need the identity.
  const request = pageRequest(await headers());
  const prisma = prismaFactory();
  const auth = await authenticate(prisma, request);
  enforcePolicy(request, auth, policy);
  const actor = actorOf(auth);
  return { prisma, auth, policy, actor, audit: bindAudit(prisma, actor, clientIp(request)) };
}
