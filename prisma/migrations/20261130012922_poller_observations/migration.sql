-- AlterTable
ALTER TABLE "KmsProvider" ADD COLUMN     "keyProviderId" TEXT;

-- CreateTable
CREATE TABLE "VcCluster" (
    "id" TEXT NOT NULL,
    "vcenterId" TEXT NOT NULL,
    "moid" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "haEnabled" BOOLEAN,
    "vsanEncryption" BOOLEAN,
    "vsanProviderId" TEXT,
    "vsanKekId" TEXT,
    "hostKeyId" TEXT,
    "changedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "VcCluster_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VcHost" (
    "id" TEXT NOT NULL,
    "vcenterId" TEXT NOT NULL,
    "moid" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "clusterId" TEXT,
    "connectionState" TEXT NOT NULL,
    "powerState" TEXT,
    "inMaintenanceMode" BOOLEAN NOT NULL,
    "cryptoState" TEXT,
    "hostKeyId" TEXT,
    "hostKeyProviderId" TEXT,
    "readErrors" TEXT,
    "changedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "VcHost_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VcDiskGroup" (
    "id" TEXT NOT NULL,
    "vcenterId" TEXT NOT NULL,
    "hostId" TEXT NOT NULL,
    "uuid" TEXT NOT NULL,
    "mounted" BOOLEAN NOT NULL,
    "encrypted" BOOLEAN NOT NULL,
    "keysLoaded" BOOLEAN,
    "providerId" TEXT,
    "kekId" TEXT,
    "diskCount" INTEGER NOT NULL,
    "capacityBytes" DOUBLE PRECISION,
    "changedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "VcDiskGroup_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VcDatastore" (
    "id" TEXT NOT NULL,
    "vcenterId" TEXT NOT NULL,
    "moid" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "type" TEXT,
    "capacityBytes" DOUBLE PRECISION,
    "freeBytes" DOUBLE PRECISION,
    "accessible" BOOLEAN,
    "changedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "VcDatastore_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VcDatastoreMount" (
    "id" TEXT NOT NULL,
    "vcenterId" TEXT NOT NULL,
    "datastoreId" TEXT NOT NULL,
    "entityType" TEXT NOT NULL,
    "entityId" TEXT NOT NULL,

    CONSTRAINT "VcDatastoreMount_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VcVm" (
    "id" TEXT NOT NULL,
    "vcenterId" TEXT NOT NULL,
    "moid" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "hostId" TEXT,
    "powerState" TEXT,
    "connectionState" TEXT,
    "cryptoState" TEXT,
    "keyId" TEXT,
    "keyProviderId" TEXT,
    "ipAddress" TEXT,
    "annotation" TEXT,
    "hasVtpm" BOOLEAN,
    "haVmMonitoring" BOOLEAN,
    "datastoreIds" TEXT NOT NULL,
    "changedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "VcVm_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VcVmDisk" (
    "id" TEXT NOT NULL,
    "vcenterId" TEXT NOT NULL,
    "vmId" TEXT NOT NULL,
    "deviceKey" INTEGER NOT NULL,
    "label" TEXT,
    "fileName" TEXT,
    "datastoreId" TEXT,
    "keyId" TEXT,
    "keyProviderId" TEXT,
    "changedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "VcVmDisk_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VcKeyProvider" (
    "id" TEXT NOT NULL,
    "vcenterId" TEXT NOT NULL,
    "providerId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "isDefault" BOOLEAN NOT NULL,
    "health" TEXT,
    "details" TEXT NOT NULL,
    "servers" TEXT NOT NULL,
    "serverStatus" TEXT,
    "changedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "VcKeyProvider_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VcHostProviderHealth" (
    "id" TEXT NOT NULL,
    "vcenterId" TEXT NOT NULL,
    "hostId" TEXT NOT NULL,
    "providerId" TEXT NOT NULL,
    "health" TEXT NOT NULL,
    "details" TEXT NOT NULL,
    "changedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "VcHostProviderHealth_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VcKey" (
    "id" TEXT NOT NULL,
    "vcenterId" TEXT NOT NULL,
    "keyId" TEXT NOT NULL,
    "providerId" TEXT,
    "available" BOOLEAN,
    "reason" TEXT,
    "changedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "VcKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "KmsNodeState" (
    "id" TEXT NOT NULL,
    "kmsProviderId" TEXT NOT NULL,
    "endpoint" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "port" INTEGER NOT NULL,
    "reachable" BOOLEAN NOT NULL,
    "healthy" BOOLEAN NOT NULL,
    "error" TEXT,
    "failure" TEXT,
    "negotiatedVersion" TEXT,
    "versions" TEXT,
    "vendor" TEXT,
    "tlsProtocol" TEXT,
    "serverCertSubject" TEXT,
    "serverCertNotAfter" TIMESTAMP(3),
    "clientCertNotAfter" TIMESTAMP(3),
    "consecutiveFailures" INTEGER NOT NULL,
    "downSince" TIMESTAMP(3),
    "changedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "KmsNodeState_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "KmsNodeKey" (
    "id" TEXT NOT NULL,
    "kmsProviderId" TEXT NOT NULL,
    "endpoint" TEXT NOT NULL,
    "keyId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "state" TEXT,
    "message" TEXT,
    "changedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "KmsNodeKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ObservationChange" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "targetId" TEXT NOT NULL,
    "entityType" TEXT NOT NULL,
    "entityId" TEXT NOT NULL,
    "entityName" TEXT,
    "change" TEXT NOT NULL,
    "field" TEXT,
    "oldValue" TEXT,
    "newValue" TEXT,

    CONSTRAINT "ObservationChange_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SeriesSample" (
    "id" BIGSERIAL NOT NULL,
    "series" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "SeriesSample_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SeriesRollup" (
    "id" BIGSERIAL NOT NULL,
    "series" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "bucketStart" TIMESTAMP(3) NOT NULL,
    "count" INTEGER NOT NULL,
    "sum" DOUBLE PRECISION NOT NULL,
    "min" DOUBLE PRECISION NOT NULL,
    "max" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "SeriesRollup_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PollState" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "vcenterId" TEXT,
    "kmsProviderId" TEXT,
    "nextDueAt" TIMESTAMP(3) NOT NULL,
    "leaseOwner" TEXT,
    "leaseExpiresAt" TIMESTAMP(3),
    "cycle" INTEGER NOT NULL DEFAULT 0,
    "lastStartedAt" TIMESTAMP(3),
    "lastFinishedAt" TIMESTAMP(3),
    "lastSuccessAt" TIMESTAMP(3),
    "lastErrorAt" TIMESTAMP(3),
    "lastError" TEXT,
    "consecutiveFailures" INTEGER NOT NULL DEFAULT 0,
    "lastDurationMs" INTEGER,
    "targetUpdatedAt" TIMESTAMP(3),

    CONSTRAINT "PollState_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PollRun" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "targetId" TEXT NOT NULL,
    "workerId" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "endedAt" TIMESTAMP(3) NOT NULL,
    "durationMs" INTEGER NOT NULL,
    "requests" INTEGER NOT NULL,
    "rowsWritten" INTEGER NOT NULL,
    "outcome" TEXT NOT NULL,
    "error" TEXT,

    CONSTRAINT "PollRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Alert" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "openKey" TEXT,
    "scope" TEXT NOT NULL,
    "targetId" TEXT,
    "entityType" TEXT NOT NULL,
    "entityId" TEXT NOT NULL,
    "entityName" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "cause" TEXT NOT NULL,
    "runbook" TEXT NOT NULL,
    "details" TEXT,
    "firstSeenAt" TIMESTAMP(3) NOT NULL,
    "lastSeenAt" TIMESTAMP(3) NOT NULL,
    "resolvedAt" TIMESTAMP(3),
    "ackedAt" TIMESTAMP(3),
    "ackedBy" TEXT,
    "ackNote" TEXT,

    CONSTRAINT "Alert_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Webhook" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "secretEnc" TEXT,
    "events" TEXT NOT NULL,
    "minSeverity" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Webhook_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebhookDelivery" (
    "id" TEXT NOT NULL,
    "webhookId" TEXT NOT NULL,
    "alertId" TEXT,
    "event" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3),
    "lastAttemptAt" TIMESTAMP(3),
    "responseStatus" INTEGER,
    "lastError" TEXT,
    "deliveredAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WebhookDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "VcCluster_vsanKekId_idx" ON "VcCluster"("vsanKekId");

-- CreateIndex
CREATE INDEX "VcCluster_hostKeyId_idx" ON "VcCluster"("hostKeyId");

-- CreateIndex
CREATE UNIQUE INDEX "VcCluster_vcenterId_moid_key" ON "VcCluster"("vcenterId", "moid");

-- CreateIndex
CREATE INDEX "VcHost_clusterId_idx" ON "VcHost"("clusterId");

-- CreateIndex
CREATE INDEX "VcHost_name_idx" ON "VcHost"("name");

-- CreateIndex
CREATE INDEX "VcHost_connectionState_idx" ON "VcHost"("connectionState");

-- CreateIndex
CREATE INDEX "VcHost_cryptoState_idx" ON "VcHost"("cryptoState");

-- CreateIndex
CREATE UNIQUE INDEX "VcHost_vcenterId_moid_key" ON "VcHost"("vcenterId", "moid");

-- CreateIndex
CREATE INDEX "VcDiskGroup_vcenterId_idx" ON "VcDiskGroup"("vcenterId");

-- CreateIndex
CREATE INDEX "VcDiskGroup_hostId_idx" ON "VcDiskGroup"("hostId");

-- CreateIndex
CREATE INDEX "VcDiskGroup_kekId_idx" ON "VcDiskGroup"("kekId");

-- CreateIndex
CREATE UNIQUE INDEX "VcDatastore_vcenterId_moid_key" ON "VcDatastore"("vcenterId", "moid");

-- CreateIndex
CREATE INDEX "VcDatastoreMount_vcenterId_idx" ON "VcDatastoreMount"("vcenterId");

-- CreateIndex
CREATE INDEX "VcDatastoreMount_datastoreId_idx" ON "VcDatastoreMount"("datastoreId");

-- CreateIndex
CREATE INDEX "VcDatastoreMount_entityId_idx" ON "VcDatastoreMount"("entityId");

-- CreateIndex
CREATE INDEX "VcVm_hostId_idx" ON "VcVm"("hostId");

-- CreateIndex
CREATE INDEX "VcVm_keyId_idx" ON "VcVm"("keyId");

-- CreateIndex
CREATE UNIQUE INDEX "VcVm_vcenterId_moid_key" ON "VcVm"("vcenterId", "moid");

-- CreateIndex
CREATE INDEX "VcVmDisk_vcenterId_idx" ON "VcVmDisk"("vcenterId");

-- CreateIndex
CREATE INDEX "VcVmDisk_vmId_idx" ON "VcVmDisk"("vmId");

-- CreateIndex
CREATE INDEX "VcVmDisk_keyId_idx" ON "VcVmDisk"("keyId");

-- CreateIndex
CREATE INDEX "VcKeyProvider_providerId_idx" ON "VcKeyProvider"("providerId");

-- CreateIndex
CREATE UNIQUE INDEX "VcKeyProvider_vcenterId_providerId_key" ON "VcKeyProvider"("vcenterId", "providerId");

-- CreateIndex
CREATE INDEX "VcHostProviderHealth_vcenterId_idx" ON "VcHostProviderHealth"("vcenterId");

-- CreateIndex
CREATE INDEX "VcHostProviderHealth_hostId_idx" ON "VcHostProviderHealth"("hostId");

-- CreateIndex
CREATE INDEX "VcHostProviderHealth_providerId_health_idx" ON "VcHostProviderHealth"("providerId", "health");

-- CreateIndex
CREATE INDEX "VcKey_providerId_idx" ON "VcKey"("providerId");

-- CreateIndex
CREATE UNIQUE INDEX "VcKey_vcenterId_keyId_key" ON "VcKey"("vcenterId", "keyId");

-- CreateIndex
CREATE INDEX "KmsNodeState_kmsProviderId_idx" ON "KmsNodeState"("kmsProviderId");

-- CreateIndex
CREATE INDEX "KmsNodeKey_kmsProviderId_keyId_idx" ON "KmsNodeKey"("kmsProviderId", "keyId");

-- CreateIndex
CREATE INDEX "KmsNodeKey_status_idx" ON "KmsNodeKey"("status");

-- CreateIndex
CREATE INDEX "ObservationChange_entityId_at_idx" ON "ObservationChange"("entityId", "at");

-- CreateIndex
CREATE INDEX "ObservationChange_targetId_at_idx" ON "ObservationChange"("targetId", "at");

-- CreateIndex
CREATE INDEX "ObservationChange_at_idx" ON "ObservationChange"("at");

-- CreateIndex
CREATE INDEX "SeriesSample_series_metric_at_idx" ON "SeriesSample"("series", "metric", "at");

-- CreateIndex
CREATE INDEX "SeriesSample_at_idx" ON "SeriesSample"("at");

-- CreateIndex
CREATE INDEX "SeriesRollup_bucketStart_idx" ON "SeriesRollup"("bucketStart");

-- CreateIndex
CREATE UNIQUE INDEX "SeriesRollup_series_metric_bucketStart_key" ON "SeriesRollup"("series", "metric", "bucketStart");

-- CreateIndex
CREATE UNIQUE INDEX "PollState_vcenterId_key" ON "PollState"("vcenterId");

-- CreateIndex
CREATE UNIQUE INDEX "PollState_kmsProviderId_key" ON "PollState"("kmsProviderId");

-- CreateIndex
CREATE INDEX "PollState_kind_nextDueAt_idx" ON "PollState"("kind", "nextDueAt");

-- CreateIndex
CREATE INDEX "PollRun_targetId_startedAt_idx" ON "PollRun"("targetId", "startedAt");

-- CreateIndex
CREATE INDEX "PollRun_startedAt_idx" ON "PollRun"("startedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Alert_openKey_key" ON "Alert"("openKey");

-- CreateIndex
CREATE INDEX "Alert_state_severity_idx" ON "Alert"("state", "severity");

-- CreateIndex
CREATE INDEX "Alert_scope_state_idx" ON "Alert"("scope", "state");

-- CreateIndex
CREATE INDEX "Alert_kind_state_idx" ON "Alert"("kind", "state");

-- CreateIndex
CREATE INDEX "Alert_entityId_idx" ON "Alert"("entityId");

-- CreateIndex
CREATE INDEX "Alert_firstSeenAt_idx" ON "Alert"("firstSeenAt");

-- CreateIndex
CREATE UNIQUE INDEX "Webhook_name_key" ON "Webhook"("name");

-- CreateIndex
CREATE INDEX "WebhookDelivery_status_nextAttemptAt_idx" ON "WebhookDelivery"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "WebhookDelivery_webhookId_createdAt_idx" ON "WebhookDelivery"("webhookId", "createdAt");

-- AddForeignKey
ALTER TABLE "VcCluster" ADD CONSTRAINT "VcCluster_vcenterId_fkey" FOREIGN KEY ("vcenterId") REFERENCES "VcenterTarget"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VcHost" ADD CONSTRAINT "VcHost_vcenterId_fkey" FOREIGN KEY ("vcenterId") REFERENCES "VcenterTarget"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VcDiskGroup" ADD CONSTRAINT "VcDiskGroup_vcenterId_fkey" FOREIGN KEY ("vcenterId") REFERENCES "VcenterTarget"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VcDatastore" ADD CONSTRAINT "VcDatastore_vcenterId_fkey" FOREIGN KEY ("vcenterId") REFERENCES "VcenterTarget"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VcDatastoreMount" ADD CONSTRAINT "VcDatastoreMount_vcenterId_fkey" FOREIGN KEY ("vcenterId") REFERENCES "VcenterTarget"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VcVm" ADD CONSTRAINT "VcVm_vcenterId_fkey" FOREIGN KEY ("vcenterId") REFERENCES "VcenterTarget"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VcVmDisk" ADD CONSTRAINT "VcVmDisk_vcenterId_fkey" FOREIGN KEY ("vcenterId") REFERENCES "VcenterTarget"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VcKeyProvider" ADD CONSTRAINT "VcKeyProvider_vcenterId_fkey" FOREIGN KEY ("vcenterId") REFERENCES "VcenterTarget"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VcHostProviderHealth" ADD CONSTRAINT "VcHostProviderHealth_vcenterId_fkey" FOREIGN KEY ("vcenterId") REFERENCES "VcenterTarget"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VcKey" ADD CONSTRAINT "VcKey_vcenterId_fkey" FOREIGN KEY ("vcenterId") REFERENCES "VcenterTarget"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "KmsNodeState" ADD CONSTRAINT "KmsNodeState_kmsProviderId_fkey" FOREIGN KEY ("kmsProviderId") REFERENCES "KmsProvider"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "KmsNodeKey" ADD CONSTRAINT "KmsNodeKey_kmsProviderId_fkey" FOREIGN KEY ("kmsProviderId") REFERENCES "KmsProvider"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PollState" ADD CONSTRAINT "PollState_vcenterId_fkey" FOREIGN KEY ("vcenterId") REFERENCES "VcenterTarget"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PollState" ADD CONSTRAINT "PollState_kmsProviderId_fkey" FOREIGN KEY ("kmsProviderId") REFERENCES "KmsProvider"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WebhookDelivery" ADD CONSTRAINT "WebhookDelivery_webhookId_fkey" FOREIGN KEY ("webhookId") REFERENCES "Webhook"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WebhookDelivery" ADD CONSTRAINT "WebhookDelivery_alertId_fkey" FOREIGN KEY ("alertId") REFERENCES "Alert"("id") ON DELETE SET NULL ON UPDATE CASCADE;
