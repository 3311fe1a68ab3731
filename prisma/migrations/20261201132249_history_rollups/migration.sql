-- CreateTable
CREATE TABLE "vakt"."ObservationRollup" (
    "memberId" TEXT NOT NULL,
    "step" INTEGER NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "timeline" INTEGER,
    "lagBytes" DOUBLE PRECISION,
    "lagSeconds" DOUBLE PRECISION,
    "freeBytes" DOUBLE PRECISION,
    "totalBytes" DOUBLE PRECISION,
    "samples" INTEGER NOT NULL,

    CONSTRAINT "ObservationRollup_pkey" PRIMARY KEY ("memberId","step","at")
);

-- CreateIndex
CREATE INDEX "ObservationRollup_step_at_idx" ON "vakt"."ObservationRollup"("step", "at");

-- AddForeignKey
ALTER TABLE "vakt"."ObservationRollup" ADD CONSTRAINT "ObservationRollup_memberId_fkey" FOREIGN KEY ("memberId") REFERENCES "vakt"."ClusterMember"("id") ON DELETE CASCADE ON UPDATE CASCADE;
