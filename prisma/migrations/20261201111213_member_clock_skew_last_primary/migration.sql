-- AlterTable
ALTER TABLE "vakt"."NodeObservation" ADD COLUMN     "clockSkewMs" DOUBLE PRECISION;

-- AlterTable
ALTER TABLE "vakt"."NodeLastGood" ADD COLUMN     "primaryLsn" TEXT,
ADD COLUMN     "primaryObservedAt" TIMESTAMP(3),
ADD COLUMN     "primaryTimeline" INTEGER;

-- Backfill: a last good answer that was a primary answer is also the last sighting as primary.
UPDATE "vakt"."NodeLastGood" SET "primaryObservedAt" = "observedAt", "primaryLsn" = "lsn", "primaryTimeline" = "timeline" WHERE "role" = 'primary';
