/**
 * VI/JSON API (`/sdk/vim25/{release}/{MoType}/{moId}/{method-or-property}`) of the lab vCenter:
 * the route that checks the release, the session and the object, then dispatches through the
 * managed-object descriptors (objects/). vSAN management objects are served under /vsan.
 * Faults are answered with HTTP 500 and the fault object (`_typeName`, faultMessage, fields).
 */
import type { IncomingMessage } from 'node:http';
import { moRef } from '@/lib/vsphere/schemas';
import { SUPPORTED_RELEASES, type LabVcenterContext } from './context';
import { BadRequest, sessionToken, type RouteAnswer } from './http';
import { AnswerWithHeaders, type MethodCall } from './objects/managed-object';
import type { LabSession } from './sessions';
import { faultBody, VimFault } from './vim-fault';

function fault(error: unknown, status = 500): RouteAnswer {
  return { status, body: faultBody(error) };
}

function ok(body: unknown): RouteAnswer {
  if (body instanceof AnswerWithHeaders) return { status: 200, body: body.body, headers: body.headers };
  return body === undefined || body === null ? { status: 204 } : { status: 200, body };
}

async function serve(ctx: LabVcenterContext, httpMethod: string, call: Omit<MethodCall, 'ctx' | 'session'>, session: LabSession | null): Promise<RouteAnswer> {
  const { type, id, method: member } = call;
  // Direct property reads return the value itself (not boxed): its type is known from the path.
  if (httpMethod === 'GET') return ok(ctx.objects.read(ctx, type, id, member, session));
  if (httpMethod !== 'POST') throw VimFault.methodNotFound(type, id, member);
  return ok(await ctx.objects.invoke({ ...call, ctx, session }));
}

export async function handleVim(ctx: LabVcenterContext, req: IncomingMessage, url: URL, bodyText: string): Promise<RouteAnswer> {
  const match = /^\/sdk\/vim25\/([^/]+)(\/vsan)?\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
  if (!match) return fault(new VimFault('InvalidRequest', `${url.pathname} is not a VI/JSON path (/sdk/vim25/{release}/{type}/{id}/{method}).`), 404);
  const [, release, vsan, type, rawId, member] = match as unknown as [string, string, string | undefined, string, string, string];
  const id = decodeURIComponent(rawId);
  const httpMethod = req.method ?? 'GET';
  const call = { type, id, method: member, bodyText };
  try {
    if (!(SUPPORTED_RELEASES as readonly string[]).includes(release)) {
      return fault(new VimFault('InvalidRequest', `API release ${release} is not supported; use one of ${SUPPORTED_RELEASES.join(', ')}.`), 404);
    }
    const descriptor = ctx.objects.descriptor(type);
    if (vsan && !descriptor?.vsan) throw VimFault.methodNotFound(type, id, member);
    const exists = ctx.objects.exists(ctx, type, id);
    const served = httpMethod === 'GET' ? descriptor?.properties : descriptor?.methods;
    if (exists && descriptor?.anonymous?.includes(member) && served && Object.hasOwn(served, member)) return await serve(ctx, httpMethod, call, null);
    const session = ctx.sessions.touch(sessionToken(req));
    if (!session) return fault(new VimFault('NotAuthenticated', 'The session is not authenticated.', { object: moRef(type, id) }));
    if (!exists) throw VimFault.objectNotFound(moRef(type, id));
    return await serve(ctx, httpMethod, call, session);
  } catch (error) {
    if (error instanceof BadRequest) return fault(new VimFault('InvalidRequest', error.message), 400);
    // Anything else a call runs into (a KMS that cannot create a key...) is a vim fault too: SystemError.
    return fault(error);
  }
}
