import type { Db, PrismaClient } from '../db/client';
import { getPrisma } from '../db/client';
import { recordAudit, type AuditActor, type AuditAction, type AuditEventInput, type AuditOutcome } from '../audit/record';
import { DomainError, errorResponse, HttpError } from '../http/errors';
import { clientIp } from '../http/request';
import { jsonResponse } from '../http/response';
import { reasonOf } from '../logging/logger';
import { webLogger } from '../logging/web-logger';
import { authenticate, pageRequest, TokenRejected, type Authentication } from './authenticate';
import { ensureAuthBootstrapped } from './bootstrap-once';
import { getAuthConfig } from './config';
import { assertCsrf, isMutation, OriginRefused } from './csrf';
import { isAllowed, STEP_UP_MAX_AGE_MS, type Policy } from './policy';
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
  /** For events that accompany no change (a refusal, a failed test): written at once. */
  audit: RequestAudit;
  /**
   * A change and its audit row in one transaction: if the row cannot be written the change is
   * rolled back, and a change that fails leaves no success row. Keep slow work (argon2, network)
   * outside `fn`.
   */
  transaction<T>(fn: (tx: Db, audit: RequestAudit) => Promise<T>): Promise<T>;
}

type RouteContext = { params: Promise<Record<string, string | string[] | undefined>> };

export type PolicyHandler = (request: Request, context: RouteContext, ctx: RequestContext) => Promise<Response> | Response;

const ACCESS_ERROR_STATUS = { 'reauthentication-required': 403, 'totp-enrolment-required': 403 } as const;

/** A refusal the browser can resolve: confirm the password again, or enrol a second factor first. */
export class AccessError extends DomainError<keyof typeof ACCESS_ERROR_STATUS> {
  override name = 'AccessError';
  constructor(code: keyof typeof ACCESS_ERROR_STATUS, message: string) {
    super(code, ACCESS_ERROR_STATUS[code], message);
  }
}

function actorOf(auth: Authentication): RequestContext['actor'] {
  if (auth.kind === 'session') return { type: 'user', id: auth.principal.id, name: auth.principal.username };
  if (auth.kind === 'token') return { type: 'token', id: auth.principal.id, name: `token:${auth.principal.name}` };
  return { type: 'anonymous' };
}

function bindAudit(prisma: Pick<PrismaClient, 'auditEvent'>, actor: RequestContext['actor'], ip: string | null): RequestAudit {
  return (action, target, details, options = {}) =>
    recordAudit(prisma, { actor: options.actor ?? actor, action, outcome: options.outcome ?? 'success', target: target ?? undefined, ip, details });
}

function bindTransaction(prisma: PrismaClient, actor: RequestContext['actor'], ip: string | null): RequestContext['transaction'] {
  return (fn) => prisma.$transaction((tx) => fn(tx, bindAudit(tx, actor, ip)), { timeout: 30_000, maxWait: 30_000 });
}

/**
 * Decides whether `auth` may use `policy`: throws 401 (no identity) or 403 (identity without the
 * permission, a cookie mutation without CSRF proof, an admin who must enrol TOTP first, or a
 * dangerous action without a recent authentication). The single enforcement point.
 */
export function enforcePolicy(request: Request, auth: Authentication, policy: Policy): void {
  if (auth.kind === 'session' && isMutation(request.method)) assertCsrf(request, auth.session.csrfToken);
  if (policy.public) return;
  if (auth.kind === 'anonymous') throw new HttpError(401, 'Sign in or send an API token.', { headers: { 'www-authenticate': 'Bearer' } });
  if (!isAllowed(auth.principal, policy.permission)) {
    throw new HttpError(403, `This needs the ${policy.permission} permission, which your ${auth.kind === 'token' ? 'token scopes do' : 'role does'} not include.`);
  }
  if (auth.kind !== 'session') return;
  const { user } = auth.session;
  if (policy.permission !== 'account' && user.role === 'admin' && user.local && !user.totpEnabled && getAuthConfig().adminTotpRequired) {
    throw new AccessError('totp-enrolment-required', 'Administrators must use a second factor here: set up an authenticator app under Settings → Account first.');
  }
  if (policy.requireRecentAuth && Date.now() - auth.session.authenticatedAt.getTime() > STEP_UP_MAX_AGE_MS) {
    throw new AccessError('reauthentication-required', 'Confirm it is you: enter your password again (or sign in with single sign-on again) to do this.');
  }
}

let prismaFactory: () => PrismaClient = getPrisma;
/** Tests point handlers at their own database. */
export function setPrismaFactoryForTests(factory: () => PrismaClient): void {
  prismaFactory = factory;
}

/** Refusals worth a row in the audit log: a rejected token, a cross-site request, a denied permission. */
async function auditRefusal(error: unknown, request: Request, pathname: string, auth: Authentication | undefined, audit: RequestAudit): Promise<void> {
  const where = { method: request.method, path: pathname };
  if (error instanceof TokenRejected) {
    const prefix = /^Bearer\s+(\S{0,8})/i.exec(request.headers.get('authorization') ?? '')?.[1] ?? null;
    await audit('auth.token', error.tokenId ? { type: 'token', id: error.tokenId } : null, { ...where, reason: error.reason, prefix }, { outcome: 'denied', actor: { type: 'anonymous' } });
  } else if (error instanceof OriginRefused) {
    await audit('access.denied', null, { ...where, reason: 'cross-site request', origin: error.origin }, { outcome: 'denied' });
  } else if (error instanceof DomainError && error.status === 403 && auth && auth.kind !== 'anonymous') {
    await audit('access.denied', null, { ...where, reason: error.message }, { outcome: 'denied' });
  }
}

/**
 * Wraps a route handler: looks the request's path + method up in the ROUTE_POLICIES registry,
 * authenticates, enforces, and answers a DomainError (HttpError included) with its status. The handler never picks its own policy.
 */
export function withPolicy(handler: PolicyHandler): (request: Request, context: RouteContext) => Promise<Response> {
  return async (request, context) => {
    let pathname = '';
    try {
      pathname = new URL(request.url).pathname;
      const declared = findRoutePolicy(pathname, request.method);
      if (!declared) {
        webLogger().error({ method: request.method, path: pathname }, 'route has no declared policy; refused (add it to lib/auth/route-policy.ts)');
        return jsonResponse({ error: 'This route has no declared access policy.' }, { status: 500 });
      }
      const prisma = prismaFactory();
      await ensureAuthBootstrapped(prisma);
      const ip = clientIp(request);
      let auth: Authentication | undefined;
      let audit = bindAudit(prisma, { type: 'anonymous' }, ip);
      try {
        auth = await authenticate(prisma, request);
        const actor = actorOf(auth);
        audit = bindAudit(prisma, actor, ip);
        enforcePolicy(request, auth, declared.policy);
        return await handler(request, context, { prisma, auth, policy: declared.policy, actor, audit, transaction: bindTransaction(prisma, actor, ip) });
      } catch (error) {
        await auditRefusal(error, request, pathname, auth, audit).catch((e: unknown) => webLogger().error({ method: request.method, path: pathname, reason: reasonOf(e) }, 'could not audit a refusal'));
        throw error;
      }
    } catch (error) {
      if (error instanceof DomainError) return errorResponse(error);
      webLogger().error({ method: request.method, path: pathname, reason: reasonOf(error) }, 'request failed');
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
  const ip = clientIp(request);
  return { prisma, auth, policy, actor, audit: bindAudit(prisma, actor, ip), transaction: bindTransaction(prisma, actor, ip) };
}
