#!/bin/sh
# Stand-in for Prisma's native schema engine, which cannot be downloaded on this machine.
# `prisma generate` only checks that the file exists; anything that would really use it fails loudly.
echo "The native Prisma schema engine is not available here: use 'npm run db:migrate' (scripts/migrate.mjs)." >&2
exit 1
