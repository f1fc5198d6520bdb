/**
 * Which schema each example body in ./fixtures must satisfy. The bodies are written from the
 * reference's documented shapes; fixtures.test.ts keeps them and the schemas in agreement, and the
 * lab vCenter can use the same table to check its own responses.
 */
import { z } from 'zod';
import * as s from './schemas';

export const FIXTURE_SCHEMAS: Record<string, z.ZodType> = {
  'automation-session.json': s.SessionTokenSchema,
  'automation-error-unauthenticated.json': s.ApiErrorSchema,
  'automation-hello-request.json': s.HelloSpecSchema,
  'automation-hello-result.json': s.HelloResultSchema,
  'automation-hosts.json': z.array(s.HostSummarySchema),
  'automation-clusters.json': z.array(s.ClusterSummarySchema),
  'automation-vms.json': z.array(s.VmSummarySchema),
  'automation-kms-providers.json': z.array(s.KmsProviderSummarySchema),
  'automation-kms-provider-info.json': s.KmsProviderInfoSchema,
  'automation-host-kms-providers.json': z.array(s.HostKmsProviderSummarySchema),
  'automation-host-kms-provider-info.json': s.HostKmsProviderInfoSchema,
  'vim-service-content.json': s.ServiceContentSchema,
  'vim-login-request.json': s.LoginRequestSchema,
  'vim-user-session.json': s.UserSessionSchema,
  'vim-fault-invalid-login.json': s.MethodFaultSchema,
  'vim-fault-not-authenticated.json': s.MethodFaultSchema,
  'vim-create-container-view-request.json': s.CreateContainerViewRequestSchema,
  'vim-container-view.json': s.MoRefSchema,
  'vim-retrieve-properties-ex-request.json': s.RetrievePropertiesExRequestSchema,
  'vim-retrieve-result-hosts.json': s.RetrieveResultSchema,
  'vim-continue-retrieve-request.json': s.ContinueRetrievePropertiesExRequestSchema,
  'vim-retrieve-result-vms.json': s.RetrieveResultSchema,
  'vim-task-moref.json': s.MoRefSchema,
  'vim-task-info-running.json': s.TaskInfoSchema,
  'vim-task-info-success.json': s.TaskInfoSchema,
  'vim-task-info-error.json': s.TaskInfoSchema,
  'vim-task-info-kmip-status.json': s.TaskInfoSchema,
  'vim-enter-maintenance-mode-request.json': s.EnterMaintenanceModeRequestSchema,
  'vim-exit-maintenance-mode-request.json': s.ExitMaintenanceModeRequestSchema,
  'vim-reboot-host-request.json': s.RebootHostRequestSchema,
  'vim-reconfig-vm-shallow-recrypt-request.json': s.ReconfigVmRequestSchema,
  'vim-list-kmip-servers.json': z.array(s.KmipClusterInfoSchema),
  'vim-retrieve-kmip-servers-status-request.json': s.RetrieveKmipServersStatusRequestSchema,
  'vim-query-crypto-key-status-request.json': s.QueryCryptoKeyStatusRequestSchema,
  'vim-query-crypto-key-status.json': z.array(s.CryptoKeyStatusSchema),
  'vim-generate-key-request.json': s.GenerateKeyRequestSchema,
  'vim-generate-key-result.json': s.CryptoKeyResultSchema,
  'vsan-query-disk-mappings-request.json': s.QueryDiskMappingsRequestSchema,
  'vsan-query-disk-mappings.json': z.array(s.VsanHostDiskMapInfoExSchema),
};
