import { defineConfig } from 'prisma/config';

// The app and scripts pass the URL to the pg adapter themselves; this is only for Prisma CLI commands.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' },
});
