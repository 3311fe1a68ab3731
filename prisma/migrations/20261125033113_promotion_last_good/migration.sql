-- CreateTable
CREATE TABLE "vakt"."NodeLastGood" (
    "memberId" TEXT NOT NULL,
    "observedAt" TIMESTAMP(3) NOT NULL,
    "role" TEXT NOT NULL,
    "timeline" INTEGER,
    "systemIdentifier" TEXT,
    "lsn" TEXT,
    "payload" JSONB,

    CONSTRAINT "NodeLastGood_pkey" PRIMARY KEY ("memberId")
);
