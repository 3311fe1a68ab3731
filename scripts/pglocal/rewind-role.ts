// The role pg_rewind connects as, with exactly the grants the README ("Rejoin after a failover") lists
// for a non-superuser; run on a primary (it replicates to the replicas). Used by the tests that rejoin.
export const REWIND_ROLE = 'vakt_rewind';
export const REWIND_ROLE_SQL = [
  `CREATE ROLE ${REWIND_ROLE} LOGIN`,
  `GRANT EXECUTE ON function pg_catalog.pg_ls_dir(text, boolean, boolean) TO ${REWIND_ROLE}`,
  `GRANT EXECUTE ON function pg_catalog.pg_stat_file(text, boolean) TO ${REWIND_ROLE}`,
  `GRANT EXECUTE ON function pg_catalog.pg_read_binary_file(text) TO ${REWIND_ROLE}`,
  `GRANT EXECUTE ON function pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean) TO ${REWIND_ROLE}`,
  `GRANT pg_checkpoint TO ${REWIND_ROLE}`,
];
