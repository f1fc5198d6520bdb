/**
 * The lab Keystone: v3 password authentication (`POST /v3/auth/tokens` → 201, token in
 * `X-Subject-Token`, body with expiry, roles and the service catalog), token validation and
 * revocation. Errors use Keystone's `{"error":{code,title,message}}` body.
 */
import { z } from 'zod';
import type { CatalogEntry, TokenBody } from '@/lib/openstack/schemas';
import { parseJsonBody, type RouteAnswer } from '../vcenter/http';
import { unauthorized, type LabCloudContext } from './context';
import type { LabToken } from './model';

function keystoneError(status: number, title: string, message: string): RouteAnswer {
  return { status, body: { error: { code: status, title, message } } };
}

const refSchema = z.object({ id: z.string().optional(), name: z.string().optional() });
const authSchema = z.object({
  auth: z.object({
    identity: z.object({
      methods: z.array(z.string()).refine((m) => m.includes('password'), 'only the password method is served by the lab'),
      password: z.object({
        user: z.object({ id: z.string().optional(), name: z.string().optional(), domain: refSchema.optional(), password: z.string() }),
      }),
    }),
    scope: z.object({ project: z.object({ id: z.string().optional(), name: z.string().optional(), domain: refSchema.optional() }) }),
  }),
});

const isDefaultDomain = (d: z.infer<typeof refSchema> | undefined) => d === undefined || d.id === 'default' || d.name?.toLowerCase() === 'default';

export function catalogFor(ctx: LabCloudContext, projectId: string): CatalogEntry[] {
  const endpoints = (id: string, url: string, region = ctx.region) =>
    (['public', 'internal', 'admin'] as const).map((iface) => ({ id: `${id}-${iface}`, interface: iface, region, region_id: region, url }));
  const cinderUrl = `${ctx.urls.cinder}/v3/${projectId}`;
  const catalog: CatalogEntry[] = [
    { id: 'svc-keystone', type: 'identity', name: 'keystone', endpoints: endpoints('ep-keystone', ctx.urls.keystone) },
    { id: 'svc-cinder', type: 'block-storage', name: 'cinder', endpoints: endpoints('ep-cinder', cinderUrl) },
    { id: 'svc-cinderv3', type: 'volumev3', name: 'cinderv3', endpoints: endpoints('ep-cinderv3', cinderUrl) },
  ];
  const keyManager = ctx.model.faults.catalogKeyManager;
  if (keyManager !== 'absent') {
    const region = keyManager === 'wrong-region' ? `${ctx.region}-other` : ctx.region;
    catalog.push({ id: 'svc-barbican', type: 'key-manager', name: 'barbican', endpoints: endpoints('ep-barbican', ctx.urls.barbican, region) });
  }
  return catalog;
}

function tokenBody(ctx: LabCloudContext, token: LabToken, withCatalog: boolean): TokenBody & { token: { audit_ids: string[]; is_domain: boolean } } {
  const user = ctx.model.usersById.get(token.userId)!;
  const project = ctx.model.estate.projects.find((p) => p.id === token.projectId)!;
  const domain = { id: 'default', name: 'Default' };
  return {
    token: {
      methods: ['password'],
      user: { id: user.id, name: user.name, domain },
      project: { id: project.id, name: project.name, domain },
      roles: token.roles.map((r) => ({ id: `role-${r}`, name: r })),
      catalog: withCatalog ? catalogFor(ctx, project.id) : [],
      expires_at: new Date(token.expiresAt).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z'),
      issued_at: new Date(token.issuedAt).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z'),
      audit_ids: [token.id.slice(-22)],
      is_domain: false,
    },
  };
}

export function handleKeystone(ctx: LabCloudContext, method: string, url: URL, headers: Record<string, string | string[] | undefined>, bodyText: string): RouteAnswer {
  const { model } = ctx;
  model.requestCounts.keystone += 1;
  const path = url.pathname.replace(/\/+$/, '');
  if (path === '' || path === '/v3') {
    return { status: 200, body: { version: { id: 'v3.14', status: 'stable', updated: '2020-04-07T00:00:00Z', links: [{ rel: 'self', href: `${ctx.urls.keystone}/v3/` }] } } };
  }
  if (path !== '/v3/auth/tokens') return keystoneError(404, 'Not Found', 'The resource could not be found.');
  if (model.faults.keystoneUnavailable) return keystoneError(503, 'Service Unavailable', 'The server is currently unavailable. Please try again at a later time.');

  if (method === 'POST') {
    let parsed: z.infer<typeof authSchema>;
    try {
      const result = authSchema.safeParse(parseJsonBody(bodyText));
      if (!result.success) {
        const issue = result.error.issues[0];
        return keystoneError(400, 'Bad Request', `Invalid input for field '${issue?.path.join('/') || 'auth'}': ${issue?.message ?? 'invalid'}`);
      }
      parsed = result.data;
    } catch (error) {
      return keystoneError(400, 'Bad Request', error instanceof Error ? error.message : String(error));
    }
    const u = parsed.auth.identity.password.user;
    const user = u.id ? model.usersById.get(u.id) : u.name && isDefaultDomain(u.domain) ? model.findUser(u.name) : undefined;
    if (!user || user.password !== u.password) return unauthorized(ctx);
    const p = parsed.auth.scope.project;
    const project = model.estate.projects.find((x) => (p.id ? x.id === p.id : x.name === p.name && isDefaultDomain(p.domain)));
    if (!project || !user.roles.get(project.id)?.size) {
      return keystoneError(401, 'Unauthorized', `User ${user.id} has no access to project ${project?.id ?? p.name ?? p.id}.`);
    }
    const token = model.issueToken(user, project.id);
    return { status: 201, body: tokenBody(ctx, token, !url.searchParams.has('nocatalog')), headers: { 'x-subject-token': token.id } };
  }

  const caller = model.tokens.get(String(headers['x-auth-token'] ?? ''));
  if (!caller || caller.revoked || caller.expiresAt <= model.now()) return unauthorized(ctx);
  const subjectId = String(headers['x-subject-token'] ?? '');
  const subject = model.tokens.get(subjectId);
  if (method === 'GET') {
    if (!subject || subject.revoked || subject.expiresAt <= model.now()) return keystoneError(404, 'Not Found', `Could not find token: ${subjectId.slice(0, 8)}…`);
    return { status: 200, body: tokenBody(ctx, subject, !url.searchParams.has('nocatalog')), headers: { 'x-subject-token': subject.id } };
  }
  if (method === 'DELETE') {
    if (!subject) return keystoneError(404, 'Not Found', `Could not find token: ${subjectId.slice(0, 8)}…`);
    subject.revoked = true;
    return { status: 204 };
  }
  return keystoneError(405, 'Method Not Allowed', `${method} is not allowed on /v3/auth/tokens.`);
}
