-- OpenStack clouds as targets (issue 14) and what their polls store.

-- CreateTable
CREATE TABLE "OpenstackCloud" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "authUrl" TEXT NOT NULL,
    "username" TEXT NOT NULL,
    "passwordEnc" TEXT NOT NULL,
    "userDomain" TEXT NOT NULL DEFAULT 'Default',
    "projectName" TEXT NOT NULL,
    "projectDomain" TEXT NOT NULL DEFAULT 'Default',
    "region" TEXT,
    "interface" TEXT NOT NULL DEFAULT 'public',
    "caPem" TEXT,
    "source" TEXT NOT NULL DEFAULT 'ui',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "lastTestAt" TIMESTAMP(3),
    "lastTestOk" BOOLEAN,
    "lastTestMessage" TEXT,

    CONSTRAINT "OpenstackCloud_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OsCloudState" (
    "id" TEXT NOT NULL,
    "cloudId" TEXT NOT NULL,
    "barbicanEndpoint" TEXT,
    "barbicanProcess" TEXT NOT NULL,
    "barbicanApi" TEXT NOT NULL,
    "barbicanDetail" TEXT NOT NULL,
    "cinderEndpoint" TEXT,
    "tokenProjectId" TEXT,
    "inventory" TEXT NOT NULL,
    "hosts" TEXT NOT NULL,
    "backupMigration" TEXT NOT NULL,
    "services" TEXT,
    "counts" TEXT NOT NULL,
    "orphanSecrets" TEXT,
    "orders" TEXT,
    "errors" TEXT NOT NULL,
    "changedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "OsCloudState_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OsRow" (
    "id" TEXT NOT NULL,
    "cloudId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "osId" TEXT NOT NULL,
    "name" TEXT,
    "projectId" TEXT,
    "userId" TEXT,
    "status" TEXT NOT NULL,
    "host" TEXT,
    "volumeId" TEXT,
    "volumeType" TEXT,
    "encrypted" BOOLEAN NOT NULL,
    "keyId" TEXT,
    "keyState" TEXT NOT NULL,
    "usesFixedKey" BOOLEAN,
    "anomalies" TEXT NOT NULL,
    "reason" TEXT,
    "changedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "OsRow_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OsSecret" (
    "id" TEXT NOT NULL,
    "cloudId" TEXT NOT NULL,
    "keyId" TEXT NOT NULL,
    "lookup" TEXT NOT NULL,
    "inTokenProject" BOOLEAN NOT NULL,
    "status" TEXT,
    "secretType" TEXT,
    "bitLength" INTEGER,
    "expiration" TEXT,
    "aclUsers" TEXT,
    "anomalies" TEXT NOT NULL,
    "message" TEXT,
    "volumes" INTEGER NOT NULL,
    "snapshots" INTEGER NOT NULL,
    "backups" INTEGER NOT NULL,
    "changedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "OsSecret_pkey" PRIMARY KEY ("id")
);

-- AlterTable
ALTER TABLE "PollState" ADD COLUMN "openstackCloudId" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "OpenstackCloud_name_key" ON "OpenstackCloud"("name");
CREATE UNIQUE INDEX "OsCloudState_cloudId_key" ON "OsCloudState"("cloudId");
CREATE INDEX "OsRow_cloudId_kind_idx" ON "OsRow"("cloudId", "kind");
CREATE INDEX "OsRow_cloudId_keyState_idx" ON "OsRow"("cloudId", "keyState");
CREATE INDEX "OsSecret_cloudId_idx" ON "OsSecret"("cloudId");
CREATE UNIQUE INDEX "PollState_openstackCloudId_key" ON "PollState"("openstackCloudId");

-- AddForeignKey
ALTER TABLE "OsCloudState" ADD CONSTRAINT "OsCloudState_cloudId_fkey" FOREIGN KEY ("cloudId") REFERENCES "OpenstackCloud"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "OsRow" ADD CONSTRAINT "OsRow_cloudId_fkey" FOREIGN KEY ("cloudId") REFERENCES "OpenstackCloud"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "OsSecret" ADD CONSTRAINT "OsSecret_cloudId_fkey" FOREIGN KEY ("cloudId") REFERENCES "OpenstackCloud"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "PollState" ADD CONSTRAINT "PollState_openstackCloudId_fkey" FOREIGN KEY ("openstackCloudId") REFERENCES "OpenstackCloud"("id") ON DELETE CASCADE ON UPDATE CASCADE;
