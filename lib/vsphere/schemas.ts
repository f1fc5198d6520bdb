/**
 * Wire shapes of every vCenter JSON body Keywatch sends or consumes, as zod schemas + inferred types.
 * Shared by the client (lib/vsphere) and the lab vCenter (lab/vcenter), so both agree on field names
 * and enum values. Shapes follow the public vSphere Automation API 8.0 reference and the
 * Virtual Infrastructure JSON API reference (vCenter 8.0 U1+). Objects are parsed non-strictly:
 * extra fields are ignored (a real vCenter returns many more), missing required fields or unknown
 * enum values are errors.
 *
 * ─── Automation API (`/api`, session header `vmware-api-session-id`) ──────────────────────────
 * POST   /api/session                         Authorization: Basic → 201, body SessionToken (JSON string)
 * DELETE /api/session                         → 204
 * POST   /api/vcenter/system?action=hello     body HelloSpec → 200 HelloResult (added in 8.0.2.0;
 *                                              the client falls back to DEFAULT_RELEASE on 404)
 * GET    /api/vcenter/host                    → HostSummary[]     (filters: hosts, names, clusters, connection_states)
 * GET    /api/vcenter/cluster                 → ClusterSummary[]  (filters: clusters, names)
 * GET    /api/vcenter/vm                      → VmSummary[]       (filters: vms, hosts, clusters, power_states;
 *                                              a real vCenter refuses > 4000 results, so bulk reads use VI/JSON)
 * GET    /api/vcenter/crypto-manager/kms/providers              → KmsProviderSummary[]
 * GET    /api/vcenter/crypto-manager/kms/providers/{provider}   → KmsProviderInfo
 * GET    /api/vcenter/crypto-manager/hosts/{host}/kms/providers → HostKmsProviderSummary[]
 * GET    /api/vcenter/crypto-manager/hosts/{host}/kms/providers/{provider} → HostKmsProviderInfo
 * Errors: 4xx/5xx with body ApiError ({ error_type, messages }); 401 error_type UNAUTHENTICATED.
 * Query arrays are repeated keys: `?hosts=host-1&hosts=host-2`.
 *
 * ─── VI/JSON API (`/sdk/vim25/{release}/{MoType}/{moId}/{method-or-property}`) ────────────────
 * Every data object carries `_typeName`; ManagedObjectReference is { _typeName, type, value }.
 * Values in `any` slots (DynamicProperty.val, TaskInfo.result) are boxed:
 * primitives / enums as { _typeName: 'string'|'boolean'|'int'|<EnumType>, _value }, arrays as
 * { _typeName: 'ArrayOf<Type>', _value: [...] }, data objects as themselves.
 * Auth header `vmware-api-session-id`, returned as a RESPONSE HEADER by Login.
 * Faults: non-2xx with body MethodFault ({ _typeName: 'InvalidLogin' | 'NotAuthenticated' | ..., faultMessage? }).
 *
 * GET  /sdk/vim25/{release}/ServiceInstance/ServiceInstance/content               → ServiceContent (no auth)
 * POST /sdk/vim25/{release}/SessionManager/{sessionManager}/Login    body LoginRequest → UserSession
 *                                                                    + response header vmware-api-session-id
 * POST /sdk/vim25/{release}/SessionManager/{sessionManager}/Logout   → 204
 * POST /sdk/vim25/{release}/ViewManager/{viewManager}/CreateContainerView body CreateContainerViewRequest → MoRef
 * POST /sdk/vim25/{release}/ContainerView/{moId}/DestroyView         → 204
 * POST /sdk/vim25/{release}/PropertyCollector/{propertyCollector}/RetrievePropertiesEx
 *                                            body RetrievePropertiesExRequest → RetrieveResult (or empty body / null when nothing matched)
 * POST /sdk/vim25/{release}/PropertyCollector/{propertyCollector}/ContinueRetrievePropertiesEx
 *                                            body { token } → RetrieveResult
 * POST /sdk/vim25/{release}/PropertyCollector/{propertyCollector}/CancelRetrievePropertiesEx body { token } → 204
 *   objectSet forms used by the client: (a) obj = a ContainerView, skip true, selectSet
 *   [TraversalSpec { type 'ContainerView', path 'view', skip false }] → every object in the view;
 *   (b) obj = the managed object itself (no selectSet) — many such ObjectSpecs in one filter, and the
 *   naive benchmark client sends one ObjectSpec + one path per request. options.maxObjects caps a page;
 *   `token` is present only while objects remain.
 *   Properties read (PROPERTY_SCHEMAS below): HostSystem name, parent, runtime.connectionState,
 *   runtime.powerState, runtime.inMaintenanceMode, runtime.cryptoState, runtime.cryptoKeyId, vm;
 *   VirtualMachine name, runtime.host, runtime.powerState, runtime.connectionState, runtime.cryptoState,
 *   config.keyId, config.annotation, config.hardware.device (disks and VirtualTPM), datastore,
 *   guest.ipAddress; ClusterComputeResource name, host, datastore, configurationEx.dasConfig.enabled,
 *   configurationEx.dasConfig.vmMonitoring, configurationEx.dasVmConfig, configurationEx.vsanConfigInfo;
 *   Datastore name, summary.type, summary.capacity, summary.accessible, host (DatastoreHostMount[]).
 *   Unset properties are simply absent from propSet. An ObjectSpec naming an object that no longer
 *   exists fails the call (ManagedObjectNotFound) unless the filter sets reportMissingObjectsInResults,
 *   then that object is simply left out of the RetrieveResult.
 * GET  /sdk/vim25/{release}/Task/{moId}/info                          → TaskInfo
 * POST /sdk/vim25/{release}/HostSystem/{moId}/EnterMaintenanceMode_Task body EnterMaintenanceModeRequest → MoRef(Task)
 * POST /sdk/vim25/{release}/HostSystem/{moId}/ExitMaintenanceMode_Task  body ExitMaintenanceModeRequest  → MoRef(Task)
 * POST /sdk/vim25/{release}/HostSystem/{moId}/RebootHost_Task           body RebootHostRequest           → MoRef(Task)
 * POST /sdk/vim25/{release}/VirtualMachine/{moId}/ReconfigVM_Task       body ReconfigVmRequest           → MoRef(Task)
 * POST /sdk/vim25/{release}/VirtualMachine/{moId}/PowerOnVM_Task        body PowerOnVmRequest            → MoRef(Task)
 * POST /sdk/vim25/{release}/VirtualMachine/{moId}/PowerOffVM_Task       body {}                          → MoRef(Task)
 * POST /sdk/vim25/{release}/VirtualMachine/{moId}/CryptoUnlock_Task     body {}                          → MoRef(Task)
 * POST /sdk/vim25/{release}/VirtualMachine/{moId}/Reload                body {}                          → 204
 * POST /sdk/vim25/{release}/VirtualMachine/{moId}/UnregisterVM          body {}                          → 204
 * POST /sdk/vim25/{release}/Folder/{vmFolder}/RegisterVM_Task           body RegisterVmRequest           → MoRef(Task); result MoRef(VM)
 * POST /sdk/vim25/{release}/ClusterComputeResource/{moId}/ReconfigureComputeResource_Task
 *                                            body ReconfigureComputeResourceRequest (dasVmConfigSpec) → MoRef(Task)
 * POST /sdk/vim25/{release}/CryptoManagerKmip/{cryptoManager}/ListKmipServers body { limit? } → KmipClusterInfo[]
 * POST /sdk/vim25/{release}/CryptoManagerKmip/{cryptoManager}/RetrieveKmipServersStatus_Task
 *                                            body { clusters: KmipClusterInfo[] } → MoRef(Task);
 *                                            TaskInfo.result = ArrayOfCryptoManagerKmipClusterStatus
 * POST /sdk/vim25/{release}/CryptoManagerKmip/{cryptoManager}/QueryCryptoKeyStatus
 *                                            body QueryCryptoKeyStatusRequest → CryptoManagerKmipCryptoKeyStatus[]
 * POST /sdk/vim25/{release}/CryptoManagerKmip/{cryptoManager}/GenerateKey
 *                                            body { keyProvider?: KeyProviderId } → CryptoKeyResult
 *
 * ─── vSAN (VI/JSON, rendered under /vsan) ────────────────────────────────────────────────────
 * POST /sdk/vim25/{release}/vsan/VimClusterVsanVcDiskManagementSystem/vsan-disk-management-system/QueryDiskMappings
 *                                            body { host: MoRef(HostSystem) } → VimVsanHostDiskMapInfoEx[]
 *   Chosen over HostVsanSystem config.storageInfo.diskMapInfo[].mounted because only the vSAN
 *   DiskMapInfoEx reports whether the disk group's encryption keys are loaded (`unlockedEncrypted`).
 *   Disk-group uuid = mapping.ssd.vsanDiskInfo.vsanUuid.
 */
import { z } from 'zod';

// ───────────────────────────── Automation API ─────────────────────────────

export const LocalizableMessageSchema = z.object({
  id: z.string(),
  default_message: z.string(),
  args: z.array(z.string()).optional(),
  localized: z.string().optional(),
});
export type LocalizableMessage = z.infer<typeof LocalizableMessageSchema>;

export const ApiErrorSchema = z.object({
  error_type: z.string(),
  messages: z.array(LocalizableMessageSchema).optional(),
});
export type ApiError = z.infer<typeof ApiErrorSchema>;

export const SessionTokenSchema = z.string().min(1);

export const HelloSpecSchema = z.object({ api_releases: z.array(z.string()).min(1) });
export type HelloSpec = z.infer<typeof HelloSpecSchema>;
export const HelloResultSchema = z.object({ api_release: z.string() });
export type HelloResult = z.infer<typeof HelloResultSchema>;

export const HOST_CONNECTION_STATES = ['CONNECTED', 'DISCONNECTED', 'NOT_RESPONDING'] as const;
export const HOST_POWER_STATES = ['POWERED_ON', 'POWERED_OFF', 'STANDBY'] as const;
export const HostSummarySchema = z.object({
  host: z.string(),
  name: z.string(),
  connection_state: z.enum(HOST_CONNECTION_STATES),
  /** Absent when the host is not connected. */
  power_state: z.enum(HOST_POWER_STATES).optional(),
});
export type HostSummary = z.infer<typeof HostSummarySchema>;

export const ClusterSummarySchema = z.object({
  cluster: z.string(),
  name: z.string(),
  ha_enabled: z.boolean(),
  drs_enabled: z.boolean(),
});
export type ClusterSummary = z.infer<typeof ClusterSummarySchema>;

export const VM_POWER_STATES = ['POWERED_ON', 'POWERED_OFF', 'SUSPENDED'] as const;
export const VmSummarySchema = z.object({
  vm: z.string(),
  name: z.string(),
  power_state: z.enum(VM_POWER_STATES),
  cpu_count: z.number().int().optional(),
  memory_size_MiB: z.number().int().optional(),
});
export type VmSummary = z.infer<typeof VmSummarySchema>;

export const PROVIDER_HEALTH = ['NONE', 'OK', 'WARNING', 'ERROR'] as const;
export const ProviderHealthSchema = z.enum(PROVIDER_HEALTH);
export type ProviderHealth = z.infer<typeof ProviderHealthSchema>;
/**
 * The reference lists NATIVE (and, in the host view, TRUST_AUTHORITY). It documents no value for
 * standard KMIP providers, and vAPI enumerations are open for extension, so `type` is kept as a
 * string; Keywatch never branches on it (provider kind comes from ListKmipServers.managementType).
 */
export const KNOWN_PROVIDER_TYPES = ['NATIVE', 'TRUST_AUTHORITY'] as const;

export const KmsProviderSummarySchema = z.object({
  provider: z.string(),
  type: z.string(),
  health: ProviderHealthSchema,
});
export type KmsProviderSummary = z.infer<typeof KmsProviderSummarySchema>;

export const KmsProviderInfoSchema = z.object({
  health: ProviderHealthSchema,
  details: z.array(LocalizableMessageSchema),
  constraints: z.object({ tpm_required: z.boolean() }).optional(),
  type: z.string(),
  native_info: z.object({ key_id: z.string() }).optional(),
});
export type KmsProviderInfo = z.infer<typeof KmsProviderInfoSchema>;

export const HostKmsProviderSummarySchema = KmsProviderSummarySchema;
export type HostKmsProviderSummary = KmsProviderSummary;

export const HostKmsProviderInfoSchema = z.object({
  health: ProviderHealthSchema,
  details: z.array(LocalizableMessageSchema),
  type: z.string(),
  native_info: z.object({ key_id: z.string() }).optional(),
});
export type HostKmsProviderInfo = z.infer<typeof HostKmsProviderInfoSchema>;

// ───────────────────────────── VI/JSON basics ─────────────────────────────

export const MoRefSchema = z.object({
  _typeName: z.literal('ManagedObjectReference'),
  type: z.string(),
  value: z.string(),
});
export type MoRef = z.infer<typeof MoRefSchema>;

export function moRef(type: string, value: string): MoRef {
  return { _typeName: 'ManagedObjectReference', type, value };
}

export const ViLocalizableMessageSchema = z.object({
  _typeName: z.string(),
  key: z.string(),
  message: z.string().optional(),
});

/** Any vim25 fault; `_typeName` names the fault type (InvalidLogin, NotAuthenticated, ...). */
export const MethodFaultSchema = z.object({
  _typeName: z.string(),
  faultMessage: z.array(ViLocalizableMessageSchema).optional(),
  /** Some faults carry a plain message (e.g. InvalidArgument.invalidProperty, SystemError.reason). */
  msg: z.string().optional(),
  reason: z.string().optional(),
});
export type MethodFault = z.infer<typeof MethodFaultSchema>;

export const LocalizedMethodFaultSchema = z.object({
  _typeName: z.literal('LocalizedMethodFault'),
  fault: MethodFaultSchema,
  localizedMessage: z.string().optional(),
});
export type LocalizedMethodFault = z.infer<typeof LocalizedMethodFaultSchema>;

export const AboutInfoSchema = z.object({
  _typeName: z.literal('AboutInfo'),
  name: z.string(),
  fullName: z.string(),
  vendor: z.string(),
  version: z.string(),
  build: z.string(),
  apiType: z.string(),
  apiVersion: z.string(),
  instanceUuid: z.string().optional(),
});

export const ServiceContentSchema = z.object({
  _typeName: z.literal('ServiceContent'),
  rootFolder: MoRefSchema,
  propertyCollector: MoRefSchema,
  viewManager: MoRefSchema.optional(),
  about: AboutInfoSchema,
  sessionManager: MoRefSchema.optional(),
  taskManager: MoRefSchema.optional(),
  cryptoManager: MoRefSchema.optional(),
});
export type ServiceContent = z.infer<typeof ServiceContentSchema>;

export const LoginRequestSchema = z.object({
  userName: z.string(),
  password: z.string(),
  locale: z.string().optional(),
});
export type LoginRequest = z.infer<typeof LoginRequestSchema>;

export const UserSessionSchema = z.object({
  _typeName: z.literal('UserSession'),
  key: z.string(),
  userName: z.string(),
  fullName: z.string().optional(),
  loginTime: z.string(),
  lastActiveTime: z.string().optional(),
  locale: z.string().optional(),
  messageLocale: z.string().optional(),
});
export type UserSession = z.infer<typeof UserSessionSchema>;

export const CreateContainerViewRequestSchema = z.object({
  container: MoRefSchema,
  type: z.array(z.string()),
  recursive: z.boolean(),
});
export type CreateContainerViewRequest = z.infer<typeof CreateContainerViewRequestSchema>;

// ───────────────────────────── PropertyCollector ─────────────────────────────

export const PropertySpecSchema = z.object({
  _typeName: z.literal('PropertySpec'),
  type: z.string(),
  all: z.boolean().optional(),
  pathSet: z.array(z.string()).optional(),
});
export type PropertySpec = z.infer<typeof PropertySpecSchema>;

export const TraversalSpecSchema = z.object({
  _typeName: z.literal('TraversalSpec'),
  name: z.string().optional(),
  type: z.string(),
  path: z.string(),
  skip: z.boolean().optional(),
});
export type TraversalSpec = z.infer<typeof TraversalSpecSchema>;

export const ObjectSpecSchema = z.object({
  _typeName: z.literal('ObjectSpec'),
  obj: MoRefSchema,
  skip: z.boolean().optional(),
  selectSet: z.array(TraversalSpecSchema).optional(),
});
export type ObjectSpec = z.infer<typeof ObjectSpecSchema>;

export const PropertyFilterSpecSchema = z.object({
  _typeName: z.literal('PropertyFilterSpec'),
  propSet: z.array(PropertySpecSchema),
  objectSet: z.array(ObjectSpecSchema),
  reportMissingObjectsInResults: z.boolean().optional(),
});
export type PropertyFilterSpec = z.infer<typeof PropertyFilterSpecSchema>;

export const RetrieveOptionsSchema = z.object({
  _typeName: z.literal('RetrieveOptions'),
  maxObjects: z.number().int().positive().optional(),
});

export const RetrievePropertiesExRequestSchema = z.object({
  specSet: z.array(PropertyFilterSpecSchema),
  options: RetrieveOptionsSchema,
});
export type RetrievePropertiesExRequest = z.infer<typeof RetrievePropertiesExRequestSchema>;

export const ContinueRetrievePropertiesExRequestSchema = z.object({ token: z.string() });

export const DynamicPropertySchema = z.object({
  _typeName: z.literal('DynamicProperty'),
  name: z.string(),
  val: z.unknown(),
});
export type DynamicProperty = z.infer<typeof DynamicPropertySchema>;

export const MissingPropertySchema = z.object({
  _typeName: z.literal('MissingProperty'),
  path: z.string(),
  fault: LocalizedMethodFaultSchema,
});

export const ObjectContentSchema = z.object({
  _typeName: z.literal('ObjectContent'),
  obj: MoRefSchema,
  propSet: z.array(DynamicPropertySchema).optional(),
  missingSet: z.array(MissingPropertySchema).optional(),
});
export type ObjectContent = z.infer<typeof ObjectContentSchema>;

export const RetrieveResultSchema = z.object({
  _typeName: z.literal('RetrieveResult'),
  /** Present when more objects remain: pass it to ContinueRetrievePropertiesEx. */
  token: z.string().optional(),
  objects: z.array(ObjectContentSchema),
});
export type RetrieveResult = z.infer<typeof RetrieveResultSchema>;

// ───────────────────────────── boxed property values ─────────────────────────────

function boxed<T extends z.ZodType>(typeName: string, value: T) {
  return z.object({ _typeName: z.literal(typeName), _value: value });
}

/**
 * A boxed array. An EMPTY array is accepted under any `ArrayOf…` name: it carries no element
 * whose type could disagree, and servers that infer the box name from the first element get it
 * wrong only there.
 */
function boxedArray<T extends z.ZodType>(typeName: string, element: T) {
  return z.union([
    boxed(typeName, z.array(element)),
    z.object({ _typeName: z.string().startsWith('ArrayOf'), _value: z.array(element).length(0) }),
  ]);
}

export const BoxedStringSchema = boxed('string', z.string());
export const BoxedBooleanSchema = boxed('boolean', z.boolean());
export const BoxedMoRefArraySchema = boxedArray('ArrayOfManagedObjectReference', MoRefSchema);

export const VIM_HOST_CONNECTION_STATES = ['connected', 'notResponding', 'disconnected'] as const;
export const VIM_HOST_POWER_STATES = ['poweredOn', 'poweredOff', 'standBy', 'unknown'] as const;
/** HostRuntimeInfo.cryptoState is typed string; values are the CryptoState enum. */
export const HOST_CRYPTO_STATES = ['incapable', 'prepared', 'safe', 'pendingIncapable'] as const;
export const VIM_VM_POWER_STATES = ['poweredOff', 'poweredOn', 'suspended'] as const;
/** VirtualMachineRuntimeInfo.cryptoState is typed string; values are VirtualMachineCryptoState. */
export const VM_CRYPTO_STATES = ['unlocked', 'locked'] as const;

export const BoxedHostConnectionStateSchema = boxed('HostSystemConnectionState', z.enum(VIM_HOST_CONNECTION_STATES));
export const BoxedHostPowerStateSchema = boxed('HostSystemPowerState', z.enum(VIM_HOST_POWER_STATES));
export const BoxedHostCryptoStateSchema = boxed('string', z.enum(HOST_CRYPTO_STATES));
export const BoxedVmPowerStateSchema = boxed('VirtualMachinePowerState', z.enum(VIM_VM_POWER_STATES));
export const BoxedVmCryptoStateSchema = boxed('string', z.enum(VM_CRYPTO_STATES));
/** VirtualMachineConnectionState: `invalid` is how vCenter shows an encrypted VM locked for want of its key. */
export const VIM_VM_CONNECTION_STATES = ['connected', 'disconnected', 'orphaned', 'inaccessible', 'invalid'] as const;
export const BoxedVmConnectionStateSchema = boxed('VirtualMachineConnectionState', z.enum(VIM_VM_CONNECTION_STATES));
export const BoxedLongSchema = boxed('long', z.number().int());
export type HostCryptoState = (typeof HOST_CRYPTO_STATES)[number];
export type VmCryptoState = (typeof VM_CRYPTO_STATES)[number];

export const KeyProviderIdSchema = z.object({ _typeName: z.literal('KeyProviderId'), id: z.string() });
export const CryptoKeyIdSchema = z.object({
  _typeName: z.literal('CryptoKeyId'),
  keyId: z.string(),
  /** Unset for keys of unknown provider (vCenter then looks the key up by id alone). */
  providerId: KeyProviderIdSchema.optional(),
});
export type CryptoKeyId = z.infer<typeof CryptoKeyIdSchema>;

export const VirtualDeviceBackingSchema = z.object({
  _typeName: z.string(),
  fileName: z.string().optional(),
  datastore: MoRefSchema.optional(),
  diskMode: z.string().optional(),
  keyId: CryptoKeyIdSchema.optional(),
});

/** One entry of config.hardware.device; disks are the entries with _typeName 'VirtualDisk'. */
export const VirtualDeviceSchema = z.object({
  _typeName: z.string(),
  key: z.number().int(),
  deviceInfo: z.object({ _typeName: z.literal('Description'), label: z.string(), summary: z.string() }).optional(),
  backing: VirtualDeviceBackingSchema.optional(),
  controllerKey: z.number().int().optional(),
  unitNumber: z.number().int().optional(),
  capacityInKB: z.number().int().optional(),
  capacityInBytes: z.number().int().optional(),
});
export type VirtualDevice = z.infer<typeof VirtualDeviceSchema>;
export const BoxedVirtualDeviceArraySchema = boxedArray('ArrayOfVirtualDevice', VirtualDeviceSchema);

/** ClusterDasConfigInfo.vmMonitoring / ClusterVmToolsMonitoringSettings.vmMonitoring values. */
export const VM_MONITORING_STATES = ['vmMonitoringDisabled', 'vmMonitoringOnly', 'vmAndAppMonitoring'] as const;
export const BoxedVmMonitoringSchema = boxed('string', z.enum(VM_MONITORING_STATES));

/** Per-VM HA override (configurationEx.dasVmConfig[]); only the VM-monitoring part is read. */
export const ClusterDasVmConfigInfoSchema = z.object({
  _typeName: z.literal('ClusterDasVmConfigInfo'),
  key: MoRefSchema,
  dasSettings: z
    .object({
      _typeName: z.literal('ClusterDasVmSettings'),
      vmToolsMonitoringSettings: z
        .object({
          _typeName: z.literal('ClusterVmToolsMonitoringSettings'),
          vmMonitoring: z.enum(VM_MONITORING_STATES).optional(),
          /** true: the VM follows the cluster setting. */
          clusterSettings: z.boolean().optional(),
        })
        .optional(),
    })
    .optional(),
});
export type ClusterDasVmConfigInfo = z.infer<typeof ClusterDasVmConfigInfoSchema>;

/** vSAN data-encryption settings (VsanDataEncryptionConfig): provider and the ids of the cluster KEK and host key. */
export const VsanDataEncryptionConfigSchema = z.object({
  _typeName: z.literal('VsanDataEncryptionConfig'),
  encryptionEnabled: z.boolean(),
  kmsProviderId: KeyProviderIdSchema.optional(),
  kekId: z.string().optional(),
  hostKeyId: z.string().optional(),
  changing: z.boolean().optional(),
});
export type VsanDataEncryptionConfig = z.infer<typeof VsanDataEncryptionConfigSchema>;

/**
 * configurationEx.vsanConfigInfo: VsanClusterConfigInfo in plain vim25, VsanConfigInfoEx (with
 * dataEncryptionConfig) where the vSAN extension renders it. Both are accepted.
 */
export const VsanClusterConfigInfoSchema = z.object({
  _typeName: z.string(),
  enabled: z.boolean().optional(),
  dataEncryptionConfig: VsanDataEncryptionConfigSchema.optional(),
});

/**
 * An event (ManagedEntity.configIssue[]): only what Keywatch reads. vCenter lists a VM's current
 * configuration issues here, e.g. "Virtual machine is locked because of a KMS cluster error."
 */
export const VimEventSchema = z.object({
  _typeName: z.string(),
  key: z.number().int().optional(),
  createdTime: z.string().optional(),
  eventTypeId: z.string().optional(),
  fullFormattedMessage: z.string().optional(),
  severity: z.string().optional(),
});
export type VimEvent = z.infer<typeof VimEventSchema>;

/** One host's mount of a datastore (Datastore.host[]). */
export const DatastoreHostMountSchema = z.object({
  _typeName: z.literal('DatastoreHostMount'),
  key: MoRefSchema,
  mountInfo: z.object({
    _typeName: z.literal('HostMountInfo'),
    path: z.string().optional(),
    accessMode: z.string().optional(),
    mounted: z.boolean().optional(),
    accessible: z.boolean().optional(),
    inaccessibleReason: z.string().optional(),
  }),
});
export type DatastoreHostMount = z.infer<typeof DatastoreHostMountSchema>;

/** Property path → schema of DynamicProperty.val, per managed object type. */
export const PROPERTY_SCHEMAS = {
  HostSystem: {
    name: BoxedStringSchema,
    parent: MoRefSchema,
    'runtime.connectionState': BoxedHostConnectionStateSchema,
    'runtime.powerState': BoxedHostPowerStateSchema,
    'runtime.inMaintenanceMode': BoxedBooleanSchema,
    'runtime.cryptoState': BoxedHostCryptoStateSchema,
    /** The host key (core dump encryption); unset while the host has none loaded. */
    'runtime.cryptoKeyId': CryptoKeyIdSchema,
    vm: BoxedMoRefArraySchema,
  },
  VirtualMachine: {
    name: BoxedStringSchema,
    'runtime.host': MoRefSchema,
    'runtime.powerState': BoxedVmPowerStateSchema,
    'runtime.connectionState': BoxedVmConnectionStateSchema,
    'runtime.cryptoState': BoxedVmCryptoStateSchema,
    'config.keyId': CryptoKeyIdSchema,
    /** Free-text notes; KMS appliance VMs often name their KMS node here. */
    'config.annotation': BoxedStringSchema,
    /** Datastore path of the VMX ("[ds] vm/vm.vmx"): what RegisterVM_Task takes back. */
    'config.files.vmPathName': BoxedStringSchema,
    /** Current configuration issues (events), where vCenter says why a VM is locked. */
    configIssue: boxedArray('ArrayOfEvent', VimEventSchema),
    parent: MoRefSchema,
    resourcePool: MoRefSchema,
    'config.hardware.device': BoxedVirtualDeviceArraySchema,
    datastore: BoxedMoRefArraySchema,
    /** Primary guest IP (VMware Tools); how a KMS appliance VM is matched to its KMS node address. */
    'guest.ipAddress': BoxedStringSchema,
  },
  ClusterComputeResource: {
    name: BoxedStringSchema,
    host: BoxedMoRefArraySchema,
    datastore: BoxedMoRefArraySchema,
    'configurationEx.dasConfig.enabled': BoxedBooleanSchema,
    'configurationEx.dasConfig.vmMonitoring': BoxedVmMonitoringSchema,
    'configurationEx.dasVmConfig': boxedArray('ArrayOfClusterDasVmConfigInfo', ClusterDasVmConfigInfoSchema),
    'configurationEx.vsanConfigInfo': VsanClusterConfigInfoSchema,
  },
  Datastore: {
    name: BoxedStringSchema,
    'summary.type': BoxedStringSchema,
    /** Bytes; a vSAN datastore offers only its mounted disk groups (0 with none mounted). */
    'summary.capacity': BoxedLongSchema,
    'summary.accessible': BoxedBooleanSchema,
    host: boxedArray('ArrayOfDatastoreHostMount', DatastoreHostMountSchema),
  },
} as const;
export type PropertySchemas = typeof PROPERTY_SCHEMAS;
export type ManagedType = keyof PropertySchemas;

// ───────────────────────────── tasks ─────────────────────────────

export const TASK_STATES = ['queued', 'running', 'success', 'error'] as const;
export const TaskInfoSchema = z.object({
  _typeName: z.literal('TaskInfo'),
  key: z.string(),
  task: MoRefSchema,
  name: z.string().optional(),
  descriptionId: z.string(),
  entity: MoRefSchema.optional(),
  entityName: z.string().optional(),
  state: z.enum(TASK_STATES),
  cancelled: z.boolean(),
  cancelable: z.boolean(),
  error: LocalizedMethodFaultSchema.optional(),
  /** Boxed like DynamicProperty.val. */
  result: z.unknown().optional(),
  /** 0–100, only while running and only if the operation reports progress. */
  progress: z.number().int().min(0).max(100).optional(),
  reason: z.object({ _typeName: z.string() }),
  queueTime: z.string(),
  startTime: z.string().optional(),
  completeTime: z.string().optional(),
  eventChainId: z.number().int(),
});
export type TaskInfo = z.infer<typeof TaskInfoSchema>;

export const VSAN_DECOMMISSION_ACTIONS = ['noAction', 'ensureObjectAccessibility', 'evacuateAllData'] as const;
export type VsanDecommissionAction = (typeof VSAN_DECOMMISSION_ACTIONS)[number];

export const EnterMaintenanceModeRequestSchema = z.object({
  /** Seconds; 0 = no timeout. */
  timeout: z.number().int().min(0),
  evacuatePoweredOffVms: z.boolean().optional(),
  maintenanceSpec: z
    .object({
      _typeName: z.literal('HostMaintenanceSpec'),
      vsanMode: z
        .object({
          _typeName: z.literal('VsanHostDecommissionMode'),
          objectAction: z.enum(VSAN_DECOMMISSION_ACTIONS),
        })
        .optional(),
      purpose: z.string().optional(),
    })
    .optional(),
});
export type EnterMaintenanceModeRequest = z.infer<typeof EnterMaintenanceModeRequestSchema>;

export const ExitMaintenanceModeRequestSchema = z.object({ timeout: z.number().int().min(0) });
export type ExitMaintenanceModeRequest = z.infer<typeof ExitMaintenanceModeRequestSchema>;

export const RebootHostRequestSchema = z.object({ force: z.boolean() });
export type RebootHostRequest = z.infer<typeof RebootHostRequestSchema>;

export const CryptoSpecShallowRecryptSchema = z.object({
  _typeName: z.literal('CryptoSpecShallowRecrypt'),
  newKeyId: CryptoKeyIdSchema,
});
export type CryptoSpecShallowRecrypt = z.infer<typeof CryptoSpecShallowRecryptSchema>;

export const VirtualDeviceConfigSpecSchema = z.object({
  _typeName: z.literal('VirtualDeviceConfigSpec'),
  operation: z.literal('edit'),
  device: VirtualDeviceSchema,
  backing: z
    .object({
      _typeName: z.literal('VirtualDeviceConfigSpecBackingSpec'),
      crypto: CryptoSpecShallowRecryptSchema,
    })
    .optional(),
});
export type VirtualDeviceConfigSpec = z.infer<typeof VirtualDeviceConfigSpecSchema>;

export const ReconfigVmRequestSchema = z.object({
  spec: z.object({
    _typeName: z.literal('VirtualMachineConfigSpec'),
    crypto: CryptoSpecShallowRecryptSchema.optional(),
    /** Per-disk shallow recrypt: one edit per VirtualDisk with backing.crypto. */
    deviceChange: z.array(VirtualDeviceConfigSpecSchema).optional(),
  }),
});
export type ReconfigVmRequest = z.infer<typeof ReconfigVmRequestSchema>;

/** PowerOnVM_Task: `host` only for a VM that is not placed yet (ignored by vCenter otherwise). */
export const PowerOnVmRequestSchema = z.object({ host: MoRefSchema.optional() });
export type PowerOnVmRequest = z.infer<typeof PowerOnVmRequestSchema>;

/** Folder.RegisterVM_Task: a VMX by datastore path into a resource pool (required unless a template). */
export const RegisterVmRequestSchema = z.object({
  path: z.string().min(1),
  name: z.string().min(1).max(79).optional(),
  asTemplate: z.boolean(),
  pool: MoRefSchema.optional(),
  host: MoRefSchema.optional(),
});
export type RegisterVmRequest = z.infer<typeof RegisterVmRequestSchema>;

/** One change to a cluster's per-VM HA overrides (ClusterDasVmConfigSpec, an ArrayUpdateSpec). */
export const ClusterDasVmConfigSpecSchema = z.object({
  _typeName: z.literal('ClusterDasVmConfigSpec'),
  operation: z.enum(['add', 'edit', 'remove']),
  /** For remove: the VM whose override goes. */
  removeKey: MoRefSchema.optional(),
  info: ClusterDasVmConfigInfoSchema.optional(),
});
export type ClusterDasVmConfigSpec = z.infer<typeof ClusterDasVmConfigSpecSchema>;

/** ComputeResource.ReconfigureComputeResource_Task with a ClusterConfigSpecEx; `modify` true merges into the current config. */
export const ReconfigureComputeResourceRequestSchema = z.object({
  spec: z.object({
    _typeName: z.literal('ClusterConfigSpecEx'),
    dasVmConfigSpec: z.array(ClusterDasVmConfigSpecSchema).optional(),
  }),
  modify: z.boolean(),
});
export type ReconfigureComputeResourceRequest = z.infer<typeof ReconfigureComputeResourceRequestSchema>;

// ───────────────────────────── CryptoManagerKmip ─────────────────────────────

export const KMS_MANAGEMENT_TYPES = ['unknown', 'vCenter', 'trustAuthority', 'nativeProvider'] as const;
export const MANAGED_ENTITY_STATUS = ['gray', 'green', 'yellow', 'red'] as const;

export const KmipServerInfoSchema = z.object({
  _typeName: z.literal('KmipServerInfo'),
  name: z.string(),
  address: z.string(),
  port: z.number().int(),
  proxyAddress: z.string().optional(),
  proxyPort: z.number().int().optional(),
  reconnect: z.number().int().optional(),
  protocol: z.string().optional(),
  nbio: z.number().int().optional(),
  timeout: z.number().int().optional(),
  userName: z.string().optional(),
});
export type KmipServerInfo = z.infer<typeof KmipServerInfoSchema>;

export const KmipClusterInfoSchema = z.object({
  _typeName: z.literal('KmipClusterInfo'),
  clusterId: KeyProviderIdSchema,
  servers: z.array(KmipServerInfoSchema).optional(),
  useAsDefault: z.boolean(),
  managementType: z.enum(KMS_MANAGEMENT_TYPES).optional(),
  useAsEntityDefault: z.array(MoRefSchema).optional(),
  hasBackup: z.boolean().optional(),
  tpmRequired: z.boolean().optional(),
  keyId: z.string().optional(),
});
export type KmipClusterInfo = z.infer<typeof KmipClusterInfoSchema>;

export const ListKmipServersRequestSchema = z.object({ limit: z.number().int().optional() });

export const CryptoManagerKmipServerStatusSchema = z.object({
  _typeName: z.literal('CryptoManagerKmipServerStatus'),
  name: z.string(),
  status: z.enum(MANAGED_ENTITY_STATUS),
  connectionStatus: z.string(),
  clientTrustServer: z.boolean().optional(),
  serverTrustClient: z.boolean().optional(),
});
export const CryptoManagerKmipClusterStatusSchema = z.object({
  _typeName: z.literal('CryptoManagerKmipClusterStatus'),
  clusterId: KeyProviderIdSchema,
  overallStatus: z.enum(MANAGED_ENTITY_STATUS).optional(),
  managementType: z.enum(KMS_MANAGEMENT_TYPES).optional(),
  servers: z.array(CryptoManagerKmipServerStatusSchema),
});
export type CryptoManagerKmipClusterStatus = z.infer<typeof CryptoManagerKmipClusterStatusSchema>;
export const BoxedKmipClusterStatusArraySchema = boxedArray('ArrayOfCryptoManagerKmipClusterStatus', CryptoManagerKmipClusterStatusSchema);

export const RetrieveKmipServersStatusRequestSchema = z.object({ clusters: z.array(KmipClusterInfoSchema) });

/** checkKeyBitMap bits: 1 key available to vCenter, 2 VMs using it, 4 hosts using it as host key, 8 third parties. */
export const QueryCryptoKeyStatusRequestSchema = z.object({
  keyIds: z.array(CryptoKeyIdSchema),
  checkKeyBitMap: z.number().int(),
});
export type QueryCryptoKeyStatusRequest = z.infer<typeof QueryCryptoKeyStatusRequestSchema>;

export const KEY_UNAVAILABLE_REASONS = [
  'KeyStateMissingInCache',
  'KeyStateClusterInvalid',
  'KeyStateClusterUnreachable',
  'KeyStateMissingInKMS',
  'KeyStateNotActiveOrEnabled',
  'KeyStateManagedByTrustAuthority',
  'KeyStateManagedByNKP',
] as const;
export const CryptoKeyStatusSchema = z.object({
  _typeName: z.literal('CryptoManagerKmipCryptoKeyStatus'),
  keyId: CryptoKeyIdSchema,
  keyAvailable: z.boolean().optional(),
  reason: z.enum(KEY_UNAVAILABLE_REASONS).optional(),
  encryptedVMs: z.array(MoRefSchema).optional(),
  affectedHosts: z.array(MoRefSchema).optional(),
  referencedByTags: z.array(z.string()).optional(),
});
export type CryptoKeyStatus = z.infer<typeof CryptoKeyStatusSchema>;

// ───────────────────────────── vSAN ─────────────────────────────

export const HostScsiDiskSchema = z.object({
  _typeName: z.literal('HostScsiDisk'),
  canonicalName: z.string(),
  uuid: z.string(),
  displayName: z.string().optional(),
  ssd: z.boolean().optional(),
  capacity: z
    .object({ _typeName: z.literal('HostDiskDimensionsLba'), blockSize: z.number().int(), block: z.number().int() })
    .optional(),
  vsanDiskInfo: z
    .object({ _typeName: z.literal('VsanHostVsanDiskInfo'), vsanUuid: z.string(), formatVersion: z.number().int() })
    .optional(),
});
export type HostScsiDisk = z.infer<typeof HostScsiDiskSchema>;

export const VsanHostDiskMappingSchema = z.object({
  _typeName: z.literal('VsanHostDiskMapping'),
  ssd: HostScsiDiskSchema,
  nonSsd: z.array(HostScsiDiskSchema),
});

export const QueryDiskMappingsRequestSchema = z.object({ host: MoRefSchema });

export const VsanHostDiskMapInfoExSchema = z.object({
  _typeName: z.literal('VimVsanHostDiskMapInfoEx'),
  mapping: VsanHostDiskMappingSchema,
  isMounted: z.boolean(),
  /** Whether the disk group's encryption keys are loaded; unset when vSAN encryption is off. */
  unlockedEncrypted: z.boolean().optional(),
  isAllFlash: z.boolean(),
  isDataEfficiency: z.boolean().optional(),
  encryptionInfo: VsanDataEncryptionConfigSchema.optional(),
});
export type VsanHostDiskMapInfoEx = z.infer<typeof VsanHostDiskMapInfoExSchema>;

export const GenerateKeyRequestSchema = z.object({ keyProvider: KeyProviderIdSchema.optional() });
export const CryptoKeyResultSchema = z.object({
  _typeName: z.literal('CryptoKeyResult'),
  keyId: CryptoKeyIdSchema,
  success: z.boolean(),
  reason: z.string().optional(),
  fault: MethodFaultSchema.optional(),
});
export type CryptoKeyResult = z.infer<typeof CryptoKeyResultSchema>;
