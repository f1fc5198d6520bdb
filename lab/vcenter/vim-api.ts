/**
 * VI/JSON API (`/sdk/vim25/{release}/{MoType}/{moId}/{method-or-property}`) of the lab vCenter:
 * ServiceInstance content, SessionManager, ViewManager / ContainerView, PropertyCollector,
 * property GETs, Tasks, HostSystem maintenance / reboot, VirtualMachine reconfigure (shallow
 * rekey) and power, CryptoManagerKmip, and the vSAN disk-management endpoint under /vsan.
 * Faults are answered with HTTP 500 and the fault object (`_typeName`, faultMessage, fields).
 */
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import {
  ContinueRetrievePropertiesExRequestSchema,
  CreateContainerViewRequestSchema,
  EnterMaintenanceModeRequestSchema,
  ExitMaintenanceModeRequestSchema,
  ListKmipServersRequestSchema,
  LoginRequestSchema,
  QueryCryptoKeyStatusRequestSchema,
  QueryDiskMappingsRequestSchema,
  RebootHostRequestSchema,
  ReconfigVmRequestSchema,
  RetrieveKmipServersStatusRequestSchema,
  RetrievePropertiesExRequestSchema,
  moRef,
  type MoRef,
  type ServiceContent,
  type UserSession,
} from '@/lib/vsphere/schemas';
import { SUPPORTED_RELEASES, type LabVcenterContext } from './context';
import { LabFault } from './host-model';
import { BadRequest, parseJsonBody, sessionToken, type RouteAnswer } from './http';
import type { LabSession } from './sessions';
import { faultBody } from './tasks';
import { cryptoKeyId } from './vim-inventory';

const SERVICE_INSTANCE = 'ServiceInstance';
const SESSION_MANAGER = 'SessionManager';
const VIEW_MANAGER = 'ViewManager';
const PROPERTY_COLLECTOR = 'propertyCollector';
const CRYPTO_MANAGER = 'CryptoManager';
const VSAN_DISK_MANAGEMENT = 'vsan-disk-management-system';

export function serviceContent(ctx: LabVcenterContext): ServiceContent {
  return {
    _typeName: 'ServiceContent',
    rootFolder: moRef('Folder', 'group-d1'),
    propertyCollector: moRef('PropertyCollector', PROPERTY_COLLECTOR),
    viewManager: moRef('ViewManager', VIEW_MANAGER),
    about: {
      _typeName: 'AboutInfo',
      name: 'VMware vCenter Server',
      fullName: 'VMware vCenter Server 8.0.3 build-24022515 (Keywatch lab)',
      vendor: 'VMware, Inc.',
      version: '8.0.3',
      build: '24022515',
      apiType: 'VirtualCenter',
      apiVersion: SUPPORTED_RELEASES[0],
      instanceUuid: ctx.instanceUuid,
    },
    sessionManager: moRef('SessionManager', SESSION_MANAGER),
    taskManager: moRef('TaskManager', 'TaskManager'),
    cryptoManager: moRef('CryptoManagerKmip', CRYPTO_MANAGER),
  };
}

function fault(error: unknown, status = 500): RouteAnswer {
  return { status, body: faultBody(error) };
}

function parse<S extends z.ZodType>(schema: S, bodyText: string, call: string): z.output<S> {
  const parsed = schema.safeParse(parseJsonBody(bodyText));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BadRequest(`${call}: ${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid body'}.`);
  }
  return parsed.data;
}

function userSession(session: LabSession): UserSession {
  return {
    _typeName: 'UserSession',
    key: session.key,
    userName: session.userName,
    fullName: 'Administrator vsphere.local',
    loginTime: session.loginTime.toISOString(),
    lastActiveTime: session.lastActiveTime.toISOString(),
    locale: 'en',
    messageLocale: 'en',
  };
}

function ok(body: unknown): RouteAnswer {
  return body === undefined || body === null ? { status: 204 } : { status: 200, body };
}

function requireObject(ctx: LabVcenterContext, type: string, id: string): void {
  if (!ctx.inventory.exists(type, id)) {
    throw new LabFault('ManagedObjectNotFound', `The object '${type}:${id}' has already been deleted or has not been completely created.`, {
      obj: moRef(type, id),
    });
  }
}

function methodNotFound(type: string, id: string, method: string): LabFault {
  return new LabFault('MethodNotFound', `Method ${method} is not served for ${type} by the lab vCenter.`, { receiver: moRef(type, id), method });
}

/** vCenter can only drive a host it is connected to (not one that is disconnected or not responding). */
function requireConnected(ctx: LabVcenterContext, hostId: string): void {
  const host = ctx.model.host(hostId);
  if (host.connectionState !== 'connected' || host.phase !== 'up') {
    throw new LabFault('HostNotConnected', `Host ${ctx.model.estateHost(hostId).name} is ${host.connectionState === 'connected' ? 'not ready' : host.connectionState}.`);
  }
}

function hostTask(ctx: LabVcenterContext, session: LabSession, hostId: string, descriptionId: string, name: string, estimateMs: number, run: () => Promise<unknown>): MoRef {
  requireConnected(ctx, hostId);
  return ctx.tasks.start({
    descriptionId,
    name,
    entity: moRef('HostSystem', hostId),
    entityName: ctx.model.estateHost(hostId).name,
    userName: session.userName,
    estimateMs,
    run,
  });
}

function vmTask(ctx: LabVcenterContext, session: LabSession, vmId: string, descriptionId: string, name: string, estimateMs: number, run: () => Promise<unknown>): MoRef {
  requireConnected(ctx, ctx.model.vm(vmId).hostId);
  return ctx.tasks.start({
    descriptionId,
    name,
    entity: moRef('VirtualMachine', vmId),
    entityName: ctx.model.estateVm(vmId).name,
    userName: session.userName,
    estimateMs,
    run,
  });
}

async function invokeMethod(ctx: LabVcenterContext, session: LabSession, type: string, id: string, method: string, bodyText: string): Promise<RouteAnswer> {
  const call = `${type}.${method}`;
  const model = ctx.model;
  switch (`${type}.${method}`) {
    case 'SessionManager.Logout':
      ctx.sessions.delete(session.token);
      return { status: 204 };
    case 'ViewManager.CreateContainerView': {
      const body = parse(CreateContainerViewRequestSchema, bodyText, call);
      return ok(ctx.collector.createContainerView(session.key, body.container, body.type, body.recursive));
    }
    case 'ContainerView.DestroyView':
      ctx.collector.destroyView(id);
      return { status: 204 };
    case 'PropertyCollector.RetrievePropertiesEx': {
      const body = parse(RetrievePropertiesExRequestSchema, bodyText, call);
      return ok(ctx.collector.retrievePropertiesEx(session.key, body.specSet, body.options.maxObjects));
    }
    case 'PropertyCollector.ContinueRetrievePropertiesEx': {
      const body = parse(ContinueRetrievePropertiesExRequestSchema, bodyText, call);
      return ok(ctx.collector.continueRetrievePropertiesEx(session.key, body.token));
    }
    case 'PropertyCollector.CancelRetrievePropertiesEx': {
      const body = parse(ContinueRetrievePropertiesExRequestSchema, bodyText, call);
      ctx.collector.cancelRetrievePropertiesEx(session.key, body.token);
      return { status: 204 };
    }
    case 'PropertyCollector.RetrieveProperties': {
      const body = parse(RetrievePropertiesExRequestSchema.omit({ options: true }), bodyText, call);
      return ok(ctx.collector.retrieveProperties(body.specSet));
    }
    case 'HostSystem.EnterMaintenanceMode_Task': {
      const body = parse(EnterMaintenanceModeRequestSchema, bodyText, call);
      const mode = body.maintenanceSpec?.vsanMode?.objectAction ?? 'ensureObjectAccessibility';
      const estimate = model.timings.maintenanceMs * (mode === 'evacuateAllData' ? 3 : 1);
      return ok(hostTask(ctx, session, id, 'HostSystem.enterMaintenanceMode', 'EnterMaintenanceMode_Task', estimate, () => model.enterMaintenance(id, mode)));
    }
    case 'HostSystem.ExitMaintenanceMode_Task': {
      parse(ExitMaintenanceModeRequestSchema, bodyText, call);
      return ok(hostTask(ctx, session, id, 'HostSystem.exitMaintenanceMode', 'ExitMaintenanceMode_Task', model.timings.maintenanceMs, () => model.exitMaintenance(id)));
    }
    case 'HostSystem.RebootHost_Task': {
      const body = parse(RebootHostRequestSchema, bodyText, call);
      // The task succeeds once the host accepted the reboot; the host then drops out and comes back.
      return ok(
        hostTask(ctx, session, id, 'HostSystem.reboot', 'RebootHost_Task', 200, async () => {
          const rebooting = model.rebootHost(id, { requireMaintenance: !body.force });
          const early = await Promise.race([rebooting.then(() => 'done' as const), new Promise<'started'>((r) => setTimeout(() => r('started'), 100))]);
          if (early === 'started') rebooting.catch(() => undefined);
          return undefined;
        }),
      );
    }
    case 'VirtualMachine.ReconfigVM_Task': {
      const body = parse(ReconfigVmRequestSchema, bodyText, call);
      const crypto = body.spec.crypto ?? body.spec.deviceChange?.find((c) => c.backing?.crypto)?.backing?.crypto;
      if (!crypto) {
        return ok(vmTask(ctx, session, id, 'VirtualMachine.reconfigure', 'ReconfigVM_Task', 100, async () => undefined));
      }
      const providerId = crypto.newKeyId.providerId?.id ?? model.knownKeys.get(crypto.newKeyId.keyId)?.providerId;
      const diskDeviceKeys = (body.spec.deviceChange ?? []).filter((c) => c.backing?.crypto && c.device._typeName === 'VirtualDisk').map((c) => c.device.key);
      const targeted = ctx.vcenterFaults.rekeyFailureVms;
      const failureMode = targeted === null || targeted.includes(id) ? ctx.vcenterFaults.rekeyFailure : 'none';
      const estimate = model.timings.rekeyPerDiskMs * Math.max(1, diskDeviceKeys.length);
      return ok(
        vmTask(ctx, session, id, 'VirtualMachine.reconfigure', 'ReconfigVM_Task', estimate, async () => {
          await model.shallowRekey(
            id,
            { providerId: providerId ?? '(unset)', keyId: crypto.newKeyId.keyId === '' ? undefined : crypto.newKeyId.keyId, diskDeviceKeys },
            failureMode,
          );
          return undefined;
        }),
      );
    }
    case 'VirtualMachine.PowerOnVM_Task':
      return ok(vmTask(ctx, session, id, 'VirtualMachine.powerOn', 'PowerOnVM_Task', model.timings.vmPowerMs, () => model.powerOnVm(id)));
    case 'VirtualMachine.PowerOffVM_Task':
      return ok(vmTask(ctx, session, id, 'VirtualMachine.powerOff', 'PowerOffVM_Task', model.timings.vmPowerMs, () => model.powerOffVm(id)));
    case 'VirtualMachine.Reload':
      await model.reloadVm(id);
      return { status: 204 };
    case 'CryptoManagerKmip.ListKmipServers': {
      const body = parse(ListKmipServersRequestSchema, bodyText, call);
      const clusters = ctx.providers.kmipClusters();
      return ok(body.limit !== undefined ? clusters.slice(0, body.limit) : clusters);
    }
    case 'CryptoManagerKmip.RetrieveKmipServersStatus_Task': {
      const body = parse(RetrieveKmipServersStatusRequestSchema, bodyText, call);
      const ids = body.clusters.map((c) => c.clusterId.id);
      return ok(
        ctx.tasks.start({
          descriptionId: 'CryptoManagerKmip.retrieveKmipServersStatus',
          name: 'RetrieveKmipServersStatus_Task',
          entity: moRef('CryptoManagerKmip', CRYPTO_MANAGER),
          entityName: 'CryptoManager',
          userName: session.userName,
          estimateMs: 1500,
          run: async () => ({ _typeName: 'ArrayOfCryptoManagerKmipClusterStatus', _value: await ctx.providers.kmipStatus(ids) }),
        }),
      );
    }
    case 'CryptoManagerKmip.QueryCryptoKeyStatus': {
      const body = parse(QueryCryptoKeyStatusRequestSchema, bodyText, call);
      const keys = body.keyIds.map((k) => ({ keyId: k.keyId, ...(k.providerId ? { providerId: k.providerId.id } : {}) }));
      return ok(await ctx.providers.keyStatus(keys, body.checkKeyBitMap));
    }
    case 'CryptoManagerKmip.GenerateKey': {
      const body = parse(z.object({ keyProvider: z.object({ id: z.string() }).optional() }), bodyText, call);
      const providerId = body.keyProvider?.id ?? model.estate.options.standardProviderId;
      const provider = model.index.providers.get(providerId);
      if (!provider) throw new LabFault('NotFound', `The provider '${providerId}' does not exist.`);
      // NKP keys are derived inside vCenter (the in-memory source), standard ones are created on the KMS.
      const keyId = await ctx.keySource.createKey(providerId, 'generated-by-vcenter');
      model.knownKeys.set(keyId, { keyId, providerId });
      return ok({ _typeName: 'CryptoKeyResult', keyId: cryptoKeyId({ keyId, providerId }), success: true });
    }
    case 'VimClusterVsanVcDiskManagementSystem.QueryDiskMappings': {
      const body = parse(QueryDiskMappingsRequestSchema, bodyText, call);
      requireObject(ctx, 'HostSystem', body.host.value);
      requireConnected(ctx, body.host.value);
      return ok(ctx.inventory.diskMapInfoEx(body.host.value));
    }
    default:
      throw methodNotFound(type, id, method);
  }
}

function objectExists(ctx: LabVcenterContext, type: string, id: string): boolean {
  switch (type) {
    case 'SessionManager':
      return id === SESSION_MANAGER;
    case 'ViewManager':
      return id === VIEW_MANAGER;
    case 'PropertyCollector':
      return id === PROPERTY_COLLECTOR;
    case 'CryptoManagerKmip':
      return id === CRYPTO_MANAGER;
    case 'ServiceInstance':
      return id === SERVICE_INSTANCE;
    case 'ContainerView':
      return ctx.collector.hasView(id);
    case 'VimClusterVsanVcDiskManagementSystem':
      return id === VSAN_DISK_MANAGEMENT;
    default:
      return ctx.inventory.exists(type, id);
  }
}

export async function handleVim(ctx: LabVcenterContext, req: IncomingMessage, url: URL, bodyText: string): Promise<RouteAnswer> {
  const match = /^\/sdk\/vim25\/([^/]+)(\/vsan)?\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
  if (!match) return fault(new LabFault('InvalidRequest', `${url.pathname} is not a VI/JSON path (/sdk/vim25/{release}/{type}/{id}/{method}).`), 404);
  const [, release, vsan, type, rawId, member] = match as unknown as [string, string, string | undefined, string, string, string];
  const id = decodeURIComponent(rawId);
  const method = req.method ?? 'GET';
  try {
    if (!(SUPPORTED_RELEASES as readonly string[]).includes(release)) {
      return fault(new LabFault('InvalidRequest', `API release ${release} is not supported; use one of ${SUPPORTED_RELEASES.join(', ')}.`), 404);
    }
    if (vsan && type !== 'VimClusterVsanVcDiskManagementSystem') throw methodNotFound(type, id, member);
    if (type === 'ServiceInstance' && id === SERVICE_INSTANCE) {
      if ((method === 'GET' && member === 'content') || (method === 'POST' && member === 'RetrieveServiceContent')) return ok(serviceContent(ctx));
    }
    if (type === 'SessionManager' && id === SESSION_MANAGER && method === 'POST' && member === 'Login') {
      const body = parse(LoginRequestSchema, bodyText, 'SessionManager.Login');
      if (!ctx.sessions.checkCredentials(body.userName, body.password)) {
        return fault(new LabFault('InvalidLogin', 'Cannot complete login due to an incorrect user name or password.'));
      }
      const session = ctx.sessions.create();
      return { status: 200, body: userSession(session), headers: { 'vmware-api-session-id': session.token } };
    }
    const session = ctx.sessions.touch(sessionToken(req));
    if (!session) {
      return fault(new LabFault('NotAuthenticated', 'The session is not authenticated.', { object: moRef(type, id) }));
    }
    if (!objectExists(ctx, type, id)) {
      throw new LabFault('ManagedObjectNotFound', `The object '${type}:${id}' has already been deleted or has not been completely created.`, { obj: moRef(type, id) });
    }
    if (method === 'GET') {
      if (type === 'SessionManager' && member === 'currentSession') return ok(userSession(session));
      if (type === 'ContainerView') return ok(ctx.collector.viewProperty(id, member));
      // Direct property reads return the value itself (not boxed): its type is known from the path.
      return ok(ctx.inventory.read(type, id, member));
    }
    if (method !== 'POST') throw methodNotFound(type, id, member);
    return await invokeMethod(ctx, session, type, id, member, bodyText);
  } catch (error) {
    if (error instanceof BadRequest) return fault(new LabFault('InvalidRequest', error.message), 400);
    if (error instanceof LabFault) return fault(error);
    throw error;
  }
}

