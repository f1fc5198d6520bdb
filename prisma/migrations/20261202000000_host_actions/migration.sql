-- CreateTable
CREATE TABLE "HostAction" (
    "id" TEXT NOT NULL,
    "vcenterId" TEXT NOT NULL,
    "hostId" TEXT NOT NULL,
    "hostMoid" TEXT NOT NULL,
    "hostName" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "phase" TEXT NOT NULL,
    "message" TEXT,
    "verdict" TEXT NOT NULL,
    "blockingRules" TEXT NOT NULL,
    "overrideReason" TEXT,
    "overrideExpiresAt" TIMESTAMP(3),
    "requestedBy" TEXT NOT NULL,
    "taskId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "HostAction_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "HostAction_hostId_createdAt_idx" ON "HostAction"("hostId", "createdAt");
