/**
 * The lab's own routes, protected by the lab vCenter's credentials (HTTP Basic, or a valid
 * `vmware-api-session-id`): GET /lab/state (ground truth for tests), GET /lab/faults (current
 * vCenter-side faults), POST /lab/faults (inject one fault, JSON body validated with zod).
 */
import type { IncomingMessage } from 'node:http';
import type { LabVcenterContext } from './context';
import { applyFault, describeIssues, labFaultSchema } from './fault-injection';
import { BadRequest, parseJsonBody, sessionToken, type RouteAnswer } from './http';
import { VimFault } from './vim-fault';

function labError(status: number, message: string): RouteAnswer {
  return { status, body: { error: message } };
}

function statusOf(error: VimFault): number {
  switch (error.kind) {
    case 'NotFound':
    case 'ManagedObjectNotFound':
      return 404;
    case 'InvalidArgument':
    case 'InvalidProperty':
    case 'InvalidRequest':
      return 400;
    default:
      return 409;
  }
}

export async function handleLab(ctx: LabVcenterContext, req: IncomingMessage, url: URL, bodyText: string): Promise<RouteAnswer> {
  const authorized = ctx.sessions.checkBasicAuth(req.headers.authorization) || ctx.sessions.touch(sessionToken(req)) !== null;
  if (!authorized) {
    return { status: 401, body: { error: 'Lab routes need the lab vCenter credentials (HTTP Basic) or a valid vmware-api-session-id.' }, headers: { 'www-authenticate': 'Basic realm="keywatch-lab"' } };
  }
  const path = url.pathname.replace(/\/+$/, '');
  const method = req.method ?? 'GET';
  try {
    if (path === '/lab/state' && method === 'GET') {
      return { status: 200, body: await ctx.labState(url.searchParams.get('vms') !== 'false') };
    }
    if (path === '/lab/faults' && method === 'GET') {
      return { status: 200, body: { vcenter: ctx.vcenterFaults } };
    }
    if (path === '/lab/faults' && method === 'POST') {
      const parsed = labFaultSchema.safeParse(parseJsonBody(bodyText));
      if (!parsed.success) return labError(400, `Invalid fault: ${describeIssues(parsed.error)}.`);
      const applied = await applyFault(parsed.data, ctx.faultContext);
      return { status: 200, body: { applied, vcenter: ctx.vcenterFaults } };
    }
    return labError(404, `${method} ${path} is not a lab route (GET /lab/state, GET|POST /lab/faults).`);
  } catch (error) {
    if (error instanceof BadRequest) return labError(400, error.message);
    if (error instanceof VimFault) return labError(statusOf(error), error.message);
    throw error;
  }
}
