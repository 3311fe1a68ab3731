-- AlterTable
ALTER TABLE "vakt"."ContextReadModel" ADD COLUMN     "detail" JSONB,
ADD COLUMN     "item" JSONB;
