/**
 * The lab vCenter: an HTTPS server (certificate from its own lab CA) speaking the Automation API
 * (/api), the VI/JSON API (/sdk/vim25/{release}) and the lab routes (/lab), backed by a
 * generated estate and the host model. Hosts fetch their keys over real KMIP from the lab KMS
 * nodes when a KMS is attached; without one, the standard provider lives in memory.
 */
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { createCertificateAuthority, issueCertificate } from '@/lib/pki/certificates';
import { mapLimited } from '@/lib/vsphere/concurrency-limit';
import { apiError, handleAutomation } from './automation-api';
import { SUPPORTED_RELEASES, type LabVcenterContext } from './context';
import { generateEstate, type Estate, type EstateOptions } from './estate';
import type { FaultContext, KmsFaultControls, VcenterFaultState } from './fault-injection';
import { defaultTimings, LabModel, type LabTimings } from './host-model';
import { BadRequest, readBody, type RouteAnswer } from './http';
import { KeyProviderView } from './key-providers';
import type { KeySource } from './key-sources/key-source';
import { createKmipKeySource } from './key-sources/kmip-key-source';
import { MemoryKeySource } from './key-sources/memory-key-source';
import { ProviderKeySource } from './key-sources/provider-key-source';
import { KmsReachability, MemoryReachability, type KmsConnection, type ProviderHealthSource, type ReachabilityOptions } from './kms-reachability';
import { handleLab } from './lab-api';
import { buildLabState } from './lab-state';
import { labObjects } from './objects/registry';
import { PropertyCollector } from './property-collector';
import { SessionStore } from './sessions';
import { TaskManager } from './tasks';
import { handleVim } from './vim-api';

/** What the lab vCenter needs from lab/kms/cluster.ts (LabKmsCluster satisfies it). */
export interface LabKmsClusterLike {
  nodes: readonly { id: string; host: string; port: number }[];
  caPem: string;
  issueClientCertificate(commonName: string): { certPem: string; keyPem: string } | Promise<{ certPem: string; keyPem: string }>;
  createKey(name?: string): Promise<string>;
  faults: KmsFaultControls;
  state?(): unknown;
}

/** A KMS the lab vCenter only connects to (no fault controls, maybe no key creation). */
export interface LabKmsConnectionInfo {
  nodes: readonly { id: string; host: string; port: number }[];
  caPem: string;
  client: { certPem: string; keyPem: string };
  createKey?(name?: string): Promise<string>;
}

export interface StartLabVcenterOptions {
  /** Estate options (generated) or an already generated estate. Default: 2 clusters × 4 hosts. */
  estate?: EstateOptions | Estate;
  kms?: LabKmsClusterLike | LabKmsConnectionInfo;
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  username?: string;
  /** Default: a random password generated for this lab run. */
  password?: string;
  tls?: { certPem: string; keyPem: string; caPem: string };
  timings?: Partial<LabTimings>;
  sessionIdleTimeoutMs?: number;
  reachability?: ReachabilityOptions;
  /** Power a KMS node off / on with its appliance VM (default true when the KMS has fault controls). */
  linkKmsApplianceVms?: boolean;
  /** Override where keys come from (tests of the host model over HTTP). */
  keySource?: KeySource;
  /** Standard-provider key IDs from an earlier run against the same (persisted) KMS, by key name. */
  existingKeyIds?: Record<string, string>;
}

export interface LabVcenter {
  /** https://host:port */
  url: string;
  host: string;
  port: number;
  caPem: string;
  username: string;
  password: string;
  estate: Estate;
  model: LabModel;
  /** Provider id → the KMS nodes as registered in this vCenter. */
  kmsConnections: Map<string, KmsConnection>;
  /** Key name → key ID of the standard provider's keys (persist it to reuse the keys next run). */
  standardKeyIds: Record<string, string>;
  stop(): Promise<void>;
}

function isCluster(kms: LabKmsClusterLike | LabKmsConnectionInfo): kms is LabKmsClusterLike {
  return 'faults' in kms && 'issueClientCertificate' in kms;
}

function isEstate(value: EstateOptions | Estate | undefined): value is Estate {
  return value !== undefined && 'hosts' in value && Array.isArray((value as Estate).hosts);
}

/** A fresh lab CA and an HTTPS certificate for `host` (plus loopback names) signed by it. */
export function createLabVcenterTls(host: string): { certPem: string; keyPem: string; caPem: string } {
  const ca = createCertificateAuthority({ commonName: 'Keywatch lab vCenter CA' });
  const leaf = issueCertificate(ca, { commonName: host, kind: 'server', sans: [...new Set([host, '127.0.0.1', 'localhost'])] });
  return { certPem: leaf.certPem, keyPem: leaf.keyPem, caPem: ca.certPem };
}

function send(res: ServerResponse, answer: RouteAnswer): void {
  const headers: Record<string, string> = { ...(answer.headers ?? {}) };
  if (answer.status === 204 || (answer.body === undefined && answer.text === undefined)) {
    res.writeHead(answer.status === 200 ? 204 : answer.status, headers).end();
    return;
  }
  if (answer.text !== undefined) {
    res.writeHead(answer.status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(answer.text);
    return;
  }
  res.writeHead(answer.status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(answer.body));
}

export async function startLabVcenter(opts: StartLabVcenterOptions = {}): Promise<LabVcenter> {
  const host = opts.host ?? '127.0.0.1';
  const username = opts.username ?? 'administrator@vsphere.local';
  const password = opts.password ?? `Lab-${randomBytes(9).toString('base64url')}`;
  const estate = isEstate(opts.estate) ? opts.estate : generateEstate(opts.estate ?? {});
  const standardId = estate.options.standardProviderId;

  // Keys of the standard provider are created on the real KMS so hosts can fetch them over KMIP.
  const memory = new MemoryKeySource();
  const kms = opts.kms;
  const createOnKms = kms ? (isCluster(kms) ? (name: string) => kms.createKey(name) : kms.createKey?.bind(kms)) : undefined;
  await mapLimited(estate.keys, 8, async (key) => {
    const existing = opts.existingKeyIds?.[key.name];
    if (key.providerId === standardId && existing) key.keyId = existing;
    else if (key.providerId === standardId && createOnKms) key.keyId = await createOnKms(key.name);
    else memory.addKey(key.providerId, key.keyId);
  });

  const connections = new Map<string, KmsConnection>();
  if (kms) {
    const client = isCluster(kms) ? await kms.issueClientCertificate('keywatch-lab-vcenter') : kms.client;
    connections.set(standardId, {
      nodes: kms.nodes.map((n) => ({ id: n.id, host: n.host, port: n.port })),
      caPem: kms.caPem,
      client,
    });
  } else {
    connections.set(standardId, {
      nodes: Array.from({ length: estate.options.kmsNodeCount }, (_, i) => ({ id: `kms-${i + 1}`, host: '127.0.0.1', port: 5696 + i })),
      caPem: '',
      client: { certPem: '', keyPem: '' },
    });
  }
  const standardConnection = connections.get(standardId)!;
  // Keys made at run time (GenerateKey, rekeys) go over KMIP, so they fail while the KMS is down;
  // only the estate's own keys are created in-process above, before anything runs.
  const kmipSource = kms && !opts.keySource ? createKmipKeySource(standardConnection) : null;
  const keySource: KeySource =
    opts.keySource ?? new ProviderKeySource(new Map(kmipSource ? [[standardId, kmipSource]] : []), memory);
  const reachability: ProviderHealthSource & { invalidate?(): void } = kms
    ? new KmsReachability(connections, opts.reachability)
    : new MemoryReachability(memory, connections);

  const kmsControls = kms && isCluster(kms) ? kms.faults : null;
  const linkAppliances = opts.linkKmsApplianceVms ?? kmsControls !== null;
  const model = new LabModel(
    estate,
    keySource,
    { ...defaultTimings, ...opts.timings },
    {
      onKmsApplianceVmPower: (nodeIndex, poweredOn) => {
        const node = standardConnection.nodes[nodeIndex];
        if (!linkAppliances || !kmsControls || !node) return;
        Promise.resolve(kmsControls.setNodeDown(node.id, !poweredOn)).catch(() => undefined);
        reachability.invalidate?.();
      },
    },
  );
  const tasks = new TaskManager();
  const collector = new PropertyCollector();
  const sessions = new SessionStore(username, password, opts.sessionIdleTimeoutMs ?? 30 * 60_000, (s) => collector.forgetSession(s.key));
  const providers = new KeyProviderView(model, reachability, connections, keySource, randomUUID(), (providerId) => memory.isReachable(providerId));
  const vcenterFaults: VcenterFaultState = { latencyMs: 0, unavailable: false, providerDetailsError: false, rekeyFailure: 'none', rekeyFailureVms: null };
  const faultContext: FaultContext = {
    model,
    vcenter: vcenterFaults,
    kms: kmsControls,
    registeredPorts: new Map(standardConnection.nodes.map((n) => [n.id, n.port])),
    invalidateReachability: () => reachability.invalidate?.(),
    setNativeProviderAvailable: (available) => memory.setReachable(estate.options.nativeProviderId, available),
    revokeKey: (keyId) => keySource.revokeKey(model.knownKeys.get(keyId)?.providerId ?? standardId, keyId),
    expireSessions: () => sessions.expireAll(),
  };

  const labState = (includeVms: boolean) =>
    buildLabState({
      model,
      tasks,
      reachability,
      standardId,
      standardNodes: standardConnection.nodes,
      vcenter: { release: SUPPORTED_RELEASES[0], faults: vcenterFaults, sessions: sessions.size, keyRetryMs: model.timings.keyRetryMs },
      kmsState: kms && isCluster(kms) && kms.state ? kms.state() : null,
      nativeAvailable: (providerId) => memory.isReachable(providerId),
      includeVms,
    });

  const ctx: LabVcenterContext = {
    model,
    objects: labObjects,
    collector,
    tasks,
    providers,
    sessions,
    keySource,
    vcenterFaults,
    faultContext,
    instanceUuid: randomUUID(),
    kmsNode: (index) => standardConnection.nodes[index],
    labState,
  };

  const tls = opts.tls ?? createLabVcenterTls(host);

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const url = new URL(req.url ?? '/', `https://${host}`);
      const bodyText = await readBody(req);
      if (url.pathname.startsWith('/lab/')) {
        send(res, await handleLab(ctx, req, url, bodyText));
        return;
      }
      if (vcenterFaults.latencyMs > 0) await new Promise((r) => setTimeout(r, vcenterFaults.latencyMs));
      const isApi = url.pathname === '/api' || url.pathname.startsWith('/api/');
      if (vcenterFaults.unavailable) {
        send(res, isApi ? apiError('SERVICE_UNAVAILABLE', 'com.vmware.vapi.std.errors.service_unavailable', 'The vCenter service is unavailable.') : { status: 503, text: 'upstream connect error or disconnect/reset before headers' });
        return;
      }
      if (isApi) send(res, await handleAutomation(ctx, req, url, bodyText));
      else if (url.pathname.startsWith('/sdk/vim25/')) send(res, await handleVim(ctx, req, url, bodyText));
      else send(res, { status: 404, body: { error: `${url.pathname} is not served by the lab vCenter (/api, /sdk/vim25, /lab).` } });
    } catch (error) {
      if (error instanceof BadRequest) {
        send(res, { status: 400, body: { error: error.message } });
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      if (!res.headersSent) send(res, { status: 500, body: { error: `Lab vCenter internal error: ${message}` } });
      else res.destroy();
    }
  };

  const server = https.createServer({ cert: tls.certPem, key: tls.keyPem, keepAliveTimeout: 30_000 }, (req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  let stopped: Promise<void> | null = null;
  return {
    url: `https://${urlHost}:${port}`,
    host,
    port,
    caPem: tls.caPem,
    username,
    password,
    estate,
    model,
    kmsConnections: connections,
    standardKeyIds: Object.fromEntries(estate.keys.filter((k) => k.providerId === standardId).map((k) => [k.name, k.keyId])),
    stop() {
      stopped ??= (async () => {
        model.stop();
        await kmipSource?.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return stopped;
    },
  };
}
