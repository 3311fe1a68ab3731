-- AlterTable: a Vakt agent beside a Patroni member (fencing in pause mode, WAL receiver evidence)
ALTER TABLE "vakt"."ClusterMember" ADD COLUMN     "fenceAgentTokenEnc" TEXT,
ADD COLUMN     "fenceAgentUrl" TEXT;
