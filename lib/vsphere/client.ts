/**
 * VsphereClient: one object per vCenter, composing the transport, both session kinds
 * (Automation API token, VI/JSON session), release negotiation and every call Keywatch makes.
 */
import { z } from 'zod';
import { AutomationApi, type ClusterFilter, type HostFilter, type VmFilter } from './automation';
import { CryptoManagerApi, type KeyRef } from './crypto-manager';
import { readEstate, readHosts, readVms, type Estate, type EstateSources, type EstateVm, type HostsSnapshot, type ReadEstateOptions } from './estate';
import {
  ClusterOperations,
  HostOperations,
  VmOperations,
  type EnterMaintenanceOptions,
  type RegisterVmSpec,
  type ShallowRekeyOptions,
  type VmMonitoringOverride,
} from './operations';
import { PropertyCollectorReader } from './property-collector';
import { VsanEncryptionOperations } from './vsan-encryption';
import type {
  ClusterSummary,
  CryptoKeyStatus,
  CryptoManagerKmipClusterStatus,
  HostKmsProviderInfo,
  HostKmsProviderSummary,
  HostSummary,
  KmipClusterInfo,
  KmsProviderInfo,
  KmsProviderSummary,
  MoRef,
  ServiceContent,
  TaskInfo,
  VmSummary,
  VsanHostDiskMapInfoEx,
} from './schemas';
import { followTask, getTaskInfo, waitForTask, type WaitForTaskOptions } from './tasks';
import { Transport } from './transport';
import { VimApi } from './vim';
import { VsanApi, type DiskGroup } from './vsan';

/** Releases offered in the hello handshake, newest first. */
export const SUPPORTED_RELEASES = ['8.0.3.0', '8.0.2.0', '8.0.1.0'] as const;
/** Used when the server has no hello endpoint (8.0 U1, the first release with VI/JSON). */
export const FALLBACK_RELEASE = '8.0.1.0';

export const VsphereClientOptionsSchema = z.object({
  baseUrl: z
    .string()
    .url()
    .refine((u) => u.startsWith('https://'), 'must be an https:// URL'),
  username: z.string().min(1),
  password: z.string().min(1),
  /** PEM bundle of CAs to trust instead of the system store. */
  caPem: z.string().optional(),
  timeoutMs: z.number().int().positive().default(30_000),
  maxConcurrency: z.number().int().min(1).max(256).default(16),
  apiReleases: z.array(z.string().min(1)).min(1).default([...SUPPORTED_RELEASES]),
});
export type VsphereClientOptions = z.input<typeof VsphereClientOptionsSchema>;

export class VsphereClientConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VsphereClientConfigError';
  }
}

export class VsphereClient {
  readonly vcenter: string;
  readonly baseUrl: string;
  private readonly transport: Transport;
  readonly automation: AutomationApi;
  readonly vim: VimApi;
  readonly collector: PropertyCollectorReader;
  readonly cryptoManager: CryptoManagerApi;
  readonly vsan: VsanApi;
  /** vSAN KEK and host key changes (vsan-encryption.ts). */
  readonly vsanEncryption: VsanEncryptionOperations;
  private readonly hostOps: HostOperations;
  private readonly vmOps: VmOperations;
  private readonly clusterOps: ClusterOperations;
  private readonly apiReleases: string[];
  private readonly maxConcurrency: number;
  private releasePromise: Promise<string> | null = null;

  constructor(options: VsphereClientOptions) {
    const parsed = VsphereClientOptionsSchema.safeParse(options);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new VsphereClientConfigError(`Invalid vSphere client option ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}.`);
    }
    const o = parsed.data;
    this.baseUrl = o.baseUrl;
    this.apiReleases = o.apiReleases;
    this.maxConcurrency = o.maxConcurrency;
    this.transport = new Transport({
      baseUrl: o.baseUrl,
      caPem: o.caPem,
      timeoutMs: o.timeoutMs,
      maxConcurrency: o.maxConcurrency,
    });
    this.vcenter = this.transport.vcenter;
    const creds = { username: o.username, password: o.password };
    this.automation = new AutomationApi(this.transport, creds);
    this.vim = new VimApi(this.transport, creds, () => this.release());
    this.collector = new PropertyCollectorReader(this.vim);
    this.cryptoManager = new CryptoManagerApi(this.vim);
    this.vsan = new VsanApi(this.vim);
    this.vsanEncryption = new VsanEncryptionOperations(this.vim);
    this.hostOps = new HostOperations(this.vim);
    this.vmOps = new VmOperations(this.vim, this.collector);
    this.clusterOps = new ClusterOperations(this.vim);
  }

  /** HTTP requests sent so far (including session renewals and retries). */
  get requestCount(): number {
    return this.transport.requestCount;
  }

  // ── sessions and release ──

  /** Negotiated API release (hello handshake, once; FALLBACK_RELEASE when hello does not exist). */
  release(): Promise<string> {
    if (!this.releasePromise) {
      this.releasePromise = this.automation.hello(this.apiReleases).then((r) => r ?? FALLBACK_RELEASE);
      this.releasePromise.catch(() => {
        this.releasePromise = null;
      });
    }
    return this.releasePromise;
  }

  /** Opens both sessions up front (otherwise they open on first use). */
  async connect(): Promise<void> {
    await this.automation.createSession();
    await this.release();
    await this.vim.login();
  }

  /** Logs out of both sessions and closes the connection pool. */
  async close(): Promise<void> {
    try {
      await Promise.allSettled([this.automation.deleteSession(), this.vim.logout()]);
    } finally {
      await this.transport.close();
    }
  }

  // ── Automation API ──

  listHosts(filter?: HostFilter): Promise<HostSummary[]> {
    return this.automation.listHosts(filter);
  }
  listClusters(filter?: ClusterFilter): Promise<ClusterSummary[]> {
    return this.automation.listClusters(filter);
  }
  listVms(filter?: VmFilter): Promise<VmSummary[]> {
    return this.automation.listVms(filter);
  }
  listKeyProviders(): Promise<KmsProviderSummary[]> {
    return this.automation.listProviders();
  }
  getKeyProvider(provider: string): Promise<KmsProviderInfo> {
    return this.automation.getProvider(provider);
  }
  listHostKeyProviders(hostId: string): Promise<HostKmsProviderSummary[]> {
    return this.automation.listHostProviders(hostId);
  }
  getHostKeyProvider(hostId: string, provider: string): Promise<HostKmsProviderInfo> {
    return this.automation.getHostProvider(hostId, provider);
  }

  // ── VI/JSON ──

  serviceContent(): Promise<ServiceContent> {
    return this.vim.content();
  }
  listKmipServers(): Promise<KmipClusterInfo[]> {
    return this.cryptoManager.listKmipServers();
  }
  retrieveKmipServersStatus(clusters: KmipClusterInfo[], wait?: WaitForTaskOptions): Promise<CryptoManagerKmipClusterStatus[]> {
    return this.cryptoManager.retrieveKmipServersStatus(clusters, wait);
  }
  /** CryptoManagerKmip.GenerateKey on `providerId` (default provider when omitted). */
  generateKey(providerId?: string): Promise<KeyRef> {
    return this.cryptoManager.generateKey(providerId);
  }
  queryCryptoKeyStatus(keys: KeyRef[], checkKeyBitMap?: number): Promise<CryptoKeyStatus[]> {
    return this.cryptoManager.queryCryptoKeyStatus(keys, checkKeyBitMap);
  }
  queryDiskMappings(hostId: string): Promise<VsanHostDiskMapInfoEx[]> {
    return this.vsan.queryDiskMappings(hostId);
  }
  diskGroups(hostId: string): Promise<DiskGroup[]> {
    return this.vsan.diskGroups(hostId);
  }
  getTaskInfo(task: MoRef): Promise<TaskInfo> {
    return getTaskInfo(this.vim, task);
  }
  waitForTask(task: MoRef, opts?: WaitForTaskOptions): Promise<TaskInfo> {
    return waitForTask(this.vim, task, opts);
  }
  /** Each change of a task's state / progress until it succeeds (or a task-failed / task-timeout error). */
  followTask(task: MoRef, opts?: WaitForTaskOptions): AsyncGenerator<TaskInfo, TaskInfo> {
    return followTask(this.vim, task, opts);
  }
  enterMaintenanceMode(hostId: string, opts?: EnterMaintenanceOptions): Promise<MoRef> {
    return this.hostOps.enterMaintenanceMode(hostId, opts);
  }
  exitMaintenanceMode(hostId: string, timeoutSeconds?: number): Promise<MoRef> {
    return this.hostOps.exitMaintenanceMode(hostId, timeoutSeconds);
  }
  rebootHost(hostId: string, force?: boolean): Promise<MoRef> {
    return this.hostOps.rebootHost(hostId, force);
  }
  shallowRekeyVm(vmId: string, newKey: KeyRef, opts?: ShallowRekeyOptions): Promise<MoRef> {
    return this.vmOps.shallowRekey(vmId, newKey, opts);
  }
  powerOnVm(vmId: string): Promise<MoRef> {
    return this.vmOps.powerOn(vmId);
  }
  powerOffVm(vmId: string): Promise<MoRef> {
    return this.vmOps.powerOff(vmId);
  }
  /** VirtualMachine.Reload: the host re-reads the VMX (the seeds' fix after an HA reset mid-rekey). */
  reloadVm(vmId: string): Promise<void> {
    return this.vmOps.reload(vmId);
  }
  /** CryptoUnlock_Task: unlock a VM locked for want of its key, once the key provider can give it again. */
  cryptoUnlockVm(vmId: string): Promise<MoRef> {
    return this.vmOps.cryptoUnlock(vmId);
  }
  unregisterVm(vmId: string): Promise<void> {
    return this.vmOps.unregister(vmId);
  }
  /** RegisterVM_Task; the finished task's result is the VM's new reference. */
  registerVm(spec: RegisterVmSpec): Promise<MoRef> {
    return this.vmOps.register(spec);
  }
  /** What registerVm needs to register this VM again (read before unregistering it). */
  vmRegistration(vmId: string): Promise<RegisterVmSpec> {
    return this.vmOps.registration(vmId);
  }
  /** HA VM-monitoring overrides of a cluster's VMs (ReconfigureComputeResource_Task). */
  setVmMonitoring(clusterId: string, changes: { vmId: string; operation: 'add' | 'edit' | 'remove'; monitoring?: VmMonitoringOverride }[]): Promise<MoRef> {
    return this.clusterOps.setVmMonitoring(clusterId, changes);
  }

  // ── high level ──

  private estateSources(): EstateSources {
    return {
      vcenter: this.vcenter,
      release: () => this.release(),
      automation: this.automation,
      collector: this.collector,
      crypto: this.cryptoManager,
      vsan: this.vsan,
      requestCount: () => this.transport.requestCount,
      maxConcurrency: this.maxConcurrency,
    };
  }

  /** Everything Keywatch reads from this vCenter, in one batched pass (see estate.ts). */
  readEstate(opts?: ReadEstateOptions): Promise<Estate> {
    return readEstate(this.estateSources(), opts);
  }

  /** Fresh state of the given hosts and the VMs registered on them (live readiness checks). */
  readHosts(hostIds: readonly string[], opts?: ReadEstateOptions): Promise<HostsSnapshot> {
    return readHosts(this.estateSources(), hostIds, opts);
  }

  /** Fresh state of chosen VMs (lock reason included); ids vCenter does not know are left out. */
  readVms(vmIds: readonly string[], opts?: Pick<ReadEstateOptions, 'pageSize'>): Promise<EstateVm[]> {
    return readVms(this.estateSources(), vmIds, opts);
  }
}
