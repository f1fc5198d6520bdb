-- Security hardening (issue 15).

-- AlterTable: TOTP, password changes
ALTER TABLE "User" ADD COLUMN "passwordChangedAt" TIMESTAMP(3),
ADD COLUMN "totpSecretEnc" TEXT,
ADD COLUMN "totpPendingEnc" TEXT,
ADD COLUMN "totpEnabledAt" TIMESTAMP(3),
ADD COLUMN "totpLastStep" INTEGER;

-- AlterTable: step-up needs the time of the last authentication
ALTER TABLE "Session" ADD COLUMN "authenticatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;
-- Existing sessions authenticated when they were created, not when this migration ran.
UPDATE "Session" SET "authenticatedAt" = "createdAt";

-- AlterTable: tokens are tied to their creator unless they come from KEYWATCH_BOOTSTRAP_TOKEN
ALTER TABLE "ApiToken" ADD COLUMN "origin" TEXT NOT NULL DEFAULT 'user';
-- Bootstrap tokens were the only ones created without a creator; any other token without one lost
-- its creator to a deletion and stays 'user', which no longer verifies (fail closed).
UPDATE "ApiToken" SET "origin" = 'bootstrap' WHERE "createdById" IS NULL AND "name" = 'bootstrap';

-- CreateTable
CREATE TABLE "RecoveryCode" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "codeHash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "usedAt" TIMESTAMP(3),

    CONSTRAINT "RecoveryCode_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "RecoveryCode_codeHash_key" ON "RecoveryCode"("codeHash");

-- CreateIndex
CREATE INDEX "RecoveryCode_userId_idx" ON "RecoveryCode"("userId");

-- AddForeignKey
ALTER TABLE "RecoveryCode" ADD CONSTRAINT "RecoveryCode_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
