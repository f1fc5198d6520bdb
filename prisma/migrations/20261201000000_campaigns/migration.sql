-- CreateTable
CREATE TABLE "Campaign" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "vcenterId" TEXT NOT NULL,
    "sourceProviderId" TEXT NOT NULL,
    "targetProviderId" TEXT NOT NULL,
    "scopeType" TEXT NOT NULL,
    "scopeIds" TEXT NOT NULL,
    "rekeyVms" BOOLEAN NOT NULL DEFAULT true,
    "rekeyVsanKeks" BOOLEAN NOT NULL DEFAULT false,
    "rekeyHostKeys" BOOLEAN NOT NULL DEFAULT false,
    "owner" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'draft',
    "statusReason" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "executorEnabled" BOOLEAN NOT NULL DEFAULT false,
    "concurrency" INTEGER NOT NULL DEFAULT 1,
    "applyHaOverride" BOOLEAN NOT NULL DEFAULT false,
    "stopAfterFailures" INTEGER,
    "dryRun" BOOLEAN NOT NULL DEFAULT false,
    "failuresSinceResume" INTEGER NOT NULL DEFAULT 0,
    "leaseOwner" TEXT,
    "leaseUntil" TIMESTAMP(3),
    "recomputedAt" TIMESTAMP(3),
    "inventoryReadAt" TIMESTAMP(3),
    "itemsVersion" INTEGER NOT NULL DEFAULT 0,
    "progressCache" TEXT,
    "progressVersion" INTEGER,

    CONSTRAINT "Campaign_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CampaignItem" (
    "campaignId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "entityMoid" TEXT NOT NULL,
    "entityName" TEXT NOT NULL,
    "diskKey" INTEGER,
    "diskLabel" TEXT,
    "hostMoid" TEXT,
    "clusterMoid" TEXT,
    "position" INTEGER NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "currentProviderId" TEXT,
    "currentKeyId" TEXT,
    "failureClass" TEXT,
    "errorText" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "risks" TEXT,
    "startedAt" TIMESTAMP(3),
    "rekeyedAt" TIMESTAMP(3),
    "verifiedAt" TIMESTAMP(3),
    "failedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CampaignItem_pkey" PRIMARY KEY ("campaignId","id")
);

-- CreateIndex
CREATE INDEX "Campaign_status_idx" ON "Campaign"("status");

-- CreateIndex
CREATE INDEX "Campaign_createdAt_idx" ON "Campaign"("createdAt");

-- CreateIndex
CREATE INDEX "CampaignItem_campaignId_state_position_idx" ON "CampaignItem"("campaignId", "state", "position");

-- AddForeignKey
ALTER TABLE "CampaignItem" ADD CONSTRAINT "CampaignItem_campaignId_fkey" FOREIGN KEY ("campaignId") REFERENCES "Campaign"("id") ON DELETE CASCADE ON UPDATE CASCADE;
