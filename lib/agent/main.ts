import { loadAgentConfig, AgentConfigError } from './config.ts';
import { createAgentServer } from './server.ts';
import { createAgentLogger } from './logger.ts';

// Entry point: `npm run agent -- [--config FILE]`, or `node dist/vakt-agent.mjs [--config FILE]`.
async function main() {
  let config;
  try {
    config = loadAgentConfig();
  } catch (e) {
    if (e instanceof AgentConfigError) {
      process.stderr.write(`vakt-agent: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const log = createAgentLogger({ level: config.logLevel, node: config.node });
  if (process.getuid?.() === 0) log.warn({ runAs: config.runAs }, 'running as root: pg_ctl and pgbackrest run as the RUN_AS user');
  const agent = createAgentServer(config, { logger: log });
  try {
    await agent.listen();
  } catch (e) {
    log.fatal({ err: (e as Error).message }, 'cannot listen');
    process.exit(1);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    agent.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((e) => {
  process.stderr.write(`vakt-agent: fatal: ${(e as Error)?.message ?? e}\n`);
  process.exit(1);
});
