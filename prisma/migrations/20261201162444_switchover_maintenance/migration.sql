-- AlterTable
ALTER TABLE "vakt"."Cluster" ADD COLUMN     "maintenanceBy" TEXT,
ADD COLUMN     "maintenanceReason" TEXT,
ADD COLUMN     "maintenanceSince" TIMESTAMP(3),
ADD COLUMN     "maintenanceUntil" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "vakt"."PromotionRequest" ADD COLUMN     "finalLsn" TEXT,
ADD COLUMN     "kind" TEXT NOT NULL DEFAULT 'failover',
ADD COLUMN     "lagAtStartBytes" DOUBLE PRECISION,
ADD COLUMN     "outcome" TEXT,
ADD COLUMN     "scheduledAt" TIMESTAMP(3),
ADD COLUMN     "windowEnd" TIMESTAMP(3),
ADD COLUMN     "writeGapMs" INTEGER;
