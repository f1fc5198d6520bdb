/**
 * Automation API (`/api/...`) of the lab vCenter: sessions, release negotiation, hosts,
 * clusters, VMs (with the documented filters) and key providers, vCenter-wide and per host.
 * Errors use the vAPI shape { error_type, messages } with the matching HTTP status.
 */
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import {
  HelloSpecSchema,
  HOST_CONNECTION_STATES,
  PROVIDER_HEALTH,
  VM_POWER_STATES,
  type ApiError,
  type ClusterSummary,
  type HelloResult,
  type HostSummary,
  type VmSummary,
} from '@/lib/vsphere/schemas';
import { SUPPORTED_RELEASES, type LabVcenterContext } from './context';
import { parseJsonBody, queryValues, sessionToken, type RouteAnswer } from './http';
import type { LabSession } from './sessions';
import { VimFault } from './vim-fault';

const VM_LIST_LIMIT = 4000;

type ErrorType =
  | 'UNAUTHENTICATED'
  | 'NOT_FOUND'
  | 'INVALID_ARGUMENT'
  | 'NOT_ALLOWED_IN_CURRENT_STATE'
  | 'UNABLE_TO_ALLOCATE_RESOURCE'
  | 'SERVICE_UNAVAILABLE'
  | 'OPERATION_NOT_FOUND'
  | 'ERROR';

const STATUS: Record<ErrorType, number> = {
  UNAUTHENTICATED: 401,
  NOT_FOUND: 404,
  INVALID_ARGUMENT: 400,
  NOT_ALLOWED_IN_CURRENT_STATE: 400,
  UNABLE_TO_ALLOCATE_RESOURCE: 400,
  SERVICE_UNAVAILABLE: 503,
  OPERATION_NOT_FOUND: 404,
  ERROR: 500,
};

export function apiError(type: ErrorType, id: string, text: string, args: string[] = []): RouteAnswer {
  const body: ApiError = { error_type: type, messages: [{ id, default_message: text, args }] };
  return { status: STATUS[type], body };
}

const unauthenticated = () => apiError('UNAUTHENTICATED', 'vapi.method.authentication.required', 'Authentication required.');

function fromVimFault(error: VimFault): RouteAnswer {
  switch (error.kind) {
    case 'NotFound':
    case 'ManagedObjectNotFound':
      return apiError('NOT_FOUND', typeof error.detail.id === 'string' ? error.detail.id : 'com.vmware.vapi.std.errors.not_found', error.message);
    case 'InvalidArgument':
    case 'InvalidProperty':
      return apiError('INVALID_ARGUMENT', 'com.vmware.vapi.std.errors.invalid_argument', error.message);
    case 'HostNotConnected':
    case 'InvalidState':
      return apiError('NOT_ALLOWED_IN_CURRENT_STATE', 'com.vmware.vapi.std.errors.not_allowed_in_current_state', error.message);
    default:
      return apiError('ERROR', 'com.vmware.vapi.std.errors.error', error.message);
  }
}

/** Enum-valued filter: unknown values are an INVALID_ARGUMENT naming the parameter. */
function enumFilter<T extends string>(url: URL, name: string, allowed: readonly T[]): T[] {
  const values = queryValues(url, name);
  for (const v of values) {
    if (!allowed.includes(v as T)) throw new VimFault('InvalidArgument', `Query parameter ${name} has an unknown value ${v}; expected one of ${allowed.join(', ')}.`);
  }
  return values as T[];
}

function matches(filter: string[], value: string): boolean {
  return filter.length === 0 || filter.includes(value);
}

function hostSummaries(ctx: LabVcenterContext, url: URL): HostSummary[] {
  const hosts = queryValues(url, 'hosts');
  const names = queryValues(url, 'names');
  const clusters = queryValues(url, 'clusters');
  const datacenters = queryValues(url, 'datacenters');
  const folders = queryValues(url, 'folders');
  const states = enumFilter(url, 'connection_states', HOST_CONNECTION_STATES);
  const standalone = url.searchParams.get('standalone');
  if (standalone === 'true') return [];
  const dc = ctx.model.estate.datacenter;
  if (!matches(datacenters, dc.id) || !matches(folders, dc.hostFolderId)) return [];
  const out: HostSummary[] = [];
  for (const host of ctx.model.estate.hosts) {
    if (!matches(hosts, host.id) || !matches(names, host.name) || !matches(clusters, host.clusterId)) continue;
    const runtime = ctx.model.host(host.id);
    const connection = runtime.connectionState === 'connected' ? 'CONNECTED' : runtime.connectionState === 'notResponding' ? 'NOT_RESPONDING' : 'DISCONNECTED';
    if (!matches(states, connection)) continue;
    const summary: HostSummary = { host: host.id, name: host.name, connection_state: connection };
    if (connection === 'CONNECTED') summary.power_state = runtime.powerState === 'standBy' ? 'STANDBY' : 'POWERED_ON';
    out.push(summary);
  }
  return out;
}

function clusterSummaries(ctx: LabVcenterContext, url: URL): ClusterSummary[] {
  const clusters = queryValues(url, 'clusters');
  const names = queryValues(url, 'names');
  const datacenters = queryValues(url, 'datacenters');
  const folders = queryValues(url, 'folders');
  const dc = ctx.model.estate.datacenter;
  if (!matches(datacenters, dc.id) || !matches(folders, dc.hostFolderId)) return [];
  return ctx.model.estate.clusters
    .filter((c) => matches(clusters, c.id) && matches(names, c.name))
    .map((c) => ({ cluster: c.id, name: c.name, ha_enabled: c.haEnabled, drs_enabled: c.drsEnabled }));
}

function vmSummaries(ctx: LabVcenterContext, url: URL): VmSummary[] | RouteAnswer {
  const vms = queryValues(url, 'vms');
  const names = queryValues(url, 'names');
  const hosts = queryValues(url, 'hosts');
  const clusters = queryValues(url, 'clusters');
  const datacenters = queryValues(url, 'datacenters');
  const folders = queryValues(url, 'folders');
  const powerStates = enumFilter(url, 'power_states', VM_POWER_STATES);
  const dc = ctx.model.estate.datacenter;
  if (!matches(datacenters, dc.id) || !matches(folders, dc.vmFolderId)) return [];
  const out: VmSummary[] = [];
  for (const vm of ctx.model.registeredVms()) {
    if (!matches(vms, vm.id) || !matches(names, vm.name)) continue;
    const runtime = ctx.model.vm(vm.id);
    if (!matches(hosts, runtime.hostId)) continue;
    if (clusters.length > 0 && !clusters.includes(ctx.model.estateHost(runtime.hostId).clusterId)) continue;
    const power = runtime.powerState === 'poweredOn' ? 'POWERED_ON' : runtime.powerState === 'suspended' ? 'SUSPENDED' : 'POWERED_OFF';
    if (!matches(powerStates, power)) continue;
    out.push({ vm: vm.id, name: vm.name, power_state: power, cpu_count: vm.cpuCount, memory_size_MiB: vm.memoryMiB });
    if (out.length > VM_LIST_LIMIT) {
      return apiError(
        'UNABLE_TO_ALLOCATE_RESOURCE',
        'com.vmware.api.vcenter.vm.list.limit_exceeded',
        `More than ${VM_LIST_LIMIT} virtual machines match the filter; add filter criteria to reduce the number.`,
        [String(VM_LIST_LIMIT)],
      );
    }
  }
  return out;
}

async function providerList(ctx: LabVcenterContext, url: URL, hostId?: string) {
  const providers = queryValues(url, 'providers');
  const health = enumFilter(url, 'health', PROVIDER_HEALTH);
  const types = queryValues(url, 'types');
  const all = await ctx.providers.summaries(hostId);
  return all.filter((p) => matches(providers, p.provider) && matches(health, p.health) && matches(types, p.type));
}

/** The provider-details-error fault: detail reads fail as a vCenter struggling with its KMS can. */
function providerDetailsError(ctx: LabVcenterContext, provider: string): RouteAnswer | null {
  if (!ctx.vcenterFaults.providerDetailsError) return null;
  return apiError('ERROR', 'com.vmware.vapi.std.errors.error', `An internal error occurred while reading key provider ${decodeURIComponent(provider)}.`);
}

export async function handleAutomation(ctx: LabVcenterContext, req: IncomingMessage, url: URL, bodyText: string): Promise<RouteAnswer> {
  const method = req.method ?? 'GET';
  const path = url.pathname.replace(/\/+$/, '');
  try {
    if (path === '/api/session') {
      if (method === 'POST') {
        if (!ctx.sessions.checkBasicAuth(req.headers.authorization)) return unauthenticated();
        return { status: 201, body: ctx.sessions.create().token };
      }
      const token = sessionToken(req);
      const session = ctx.sessions.touch(token);
      if (!session || !token) return unauthenticated();
      if (method === 'DELETE') {
        ctx.sessions.delete(token);
        return { status: 204 };
      }
      if (method === 'GET') {
        return { status: 200, body: { user: session.userName, created_time: session.loginTime.toISOString(), last_accessed_time: session.lastActiveTime.toISOString() } };
      }
      return apiError('OPERATION_NOT_FOUND', 'vapi.method.not_found', `${method} ${path} is not an operation of the lab vCenter.`);
    }

    const session: LabSession | null = ctx.sessions.touch(sessionToken(req));
    if (!session) return unauthenticated();

    if (path === '/api/vcenter/system' && method === 'POST' && url.searchParams.get('action') === 'hello') {
      const parsed = HelloSpecSchema.safeParse(parseJsonBody(bodyText));
      if (!parsed.success || parsed.data.api_releases.length > 128 || parsed.data.api_releases.some((r) => r.length > 64)) {
        return apiError('INVALID_ARGUMENT', 'com.vmware.vapi.std.errors.invalid_argument', 'api_releases must list 1 to 128 release IDs of at most 64 characters.');
      }
      const chosen = parsed.data.api_releases.find((r) => (SUPPORTED_RELEASES as readonly string[]).includes(r)) ?? '';
      const body: HelloResult = { api_release: chosen };
      return { status: 200, body };
    }
    if (method !== 'GET') return apiError('OPERATION_NOT_FOUND', 'vapi.method.not_found', `${method} ${path} is not an operation of the lab vCenter.`);

    if (path === '/api/vcenter/host') return { status: 200, body: hostSummaries(ctx, url) };
    if (path === '/api/vcenter/cluster') return { status: 200, body: clusterSummaries(ctx, url) };
    if (path === '/api/vcenter/vm') {
      const result = vmSummaries(ctx, url);
      return Array.isArray(result) ? { status: 200, body: result } : result;
    }
    if (path === '/api/vcenter/crypto-manager/kms/providers') return { status: 200, body: await providerList(ctx, url) };
    const provider = /^\/api\/vcenter\/crypto-manager\/kms\/providers\/([^/]+)$/.exec(path);
    if (provider) return providerDetailsError(ctx, provider[1]!) ?? { status: 200, body: await ctx.providers.info(decodeURIComponent(provider[1]!)) };
    const hostProviders = /^\/api\/vcenter\/crypto-manager\/hosts\/([^/]+)\/kms\/providers(?:\/([^/]+))?$/.exec(path);
    if (hostProviders) {
      const hostId = decodeURIComponent(hostProviders[1]!);
      if (!ctx.model.index.hosts.has(hostId)) return apiError('NOT_FOUND', 'com.vmware.vapi.std.errors.not_found', `Host ${hostId} does not exist.`, [hostId]);
      if (hostProviders[2] === undefined) return { status: 200, body: await providerList(ctx, url, hostId) };
      return providerDetailsError(ctx, hostProviders[2]) ?? { status: 200, body: await ctx.providers.hostInfo(hostId, decodeURIComponent(hostProviders[2])) };
    }
    return apiError('NOT_FOUND', 'com.vmware.vapi.rest.httpNotFound', `${path} is not a resource of the lab vCenter.`);
  } catch (error) {
    if (error instanceof VimFault) return fromVimFault(error);
    if (error instanceof z.ZodError) return apiError('INVALID_ARGUMENT', 'com.vmware.vapi.std.errors.invalid_argument', error.message);
    throw error;
  }
}
