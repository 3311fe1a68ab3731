-- AlterTable
ALTER TABLE "vakt"."ClusterReadModel" ADD COLUMN     "item" JSONB;
