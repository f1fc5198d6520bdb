/**
 * What other modules (worker polling, readiness gate, key-provider views) use from targets:
 * lists without secrets, and the decrypted credentials to build a VsphereClient / KmipClient.
 * Never serialize the *Credentials objects or put them in logs.
 */
export {
  listVcenters,
  listKmsProviders,
  getVcenter,
  getKmsProvider,
  openVcenterCredentials,
  openKmsClientCredentials,
  TargetError,
  type VcenterView,
  type KmsProviderView,
  type VcenterCredentials,
  type KmsClientCredentials,
} from './store';
export { testVcenterConnection, testKmsConnection, type ConnectionTestResult } from './test-connection';
export { applyTargetsFile, TargetsFileError, type ApplyResult } from './config-file';
