export { VsphereClient, VsphereClientConfigError, VsphereClientOptionsSchema, SUPPORTED_RELEASES, FALLBACK_RELEASE } from './client';
export type { VsphereClientOptions } from './client';
export { VsphereError, isVsphereError } from './errors';
export type { VsphereErrorKind, VsphereErrorDetails } from './errors';
export type {
  Estate,
  EstateHost,
  EstateVm,
  EstateVmDisk,
  EstateCluster,
  EstateDatastore,
  EstateDatastoreMount,
  EstateReadError,
  EstateProvider,
  EstateKeyRef,
  HostProviderView,
  ProviderKind,
  ReadEstateOptions,
  HostsSnapshot,
  VmLock,
} from './estate';
export type { DiskGroup, VsanDisk } from './vsan';
export type { KeyRef } from './crypto-manager';
export { KEY_STATUS_CHECK } from './crypto-manager';
export type { EnterMaintenanceOptions, ShallowRekeyOptions, RegisterVmSpec, VmMonitoringOverride } from './operations';
export type { WaitForTaskOptions } from './tasks';
export type { HostFilter, ClusterFilter, VmFilter } from './automation';
export { moRef } from './schemas';
export type {
  MoRef,
  TaskInfo,
  HostCryptoState,
  VmCryptoState,
  ProviderHealth,
  KmipClusterInfo,
  CryptoKeyStatus,
  CryptoManagerKmipClusterStatus,
  HostSummary,
  ClusterSummary,
  VmSummary,
  KmsProviderSummary,
  KmsProviderInfo,
  HostKmsProviderSummary,
  HostKmsProviderInfo,
  VsanHostDiskMapInfoEx,
} from './schemas';
