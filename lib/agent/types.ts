import type { Logger } from 'pino';
import type { TAgentConfig } from './config.ts';

export type TAgentContext = {
  config: TAgentConfig;
  log: Logger;
  startedAt: string;
  version: string;
  /** serialises fence / promote / unfence so two calls never interleave their steps */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  caches: Map<string, { at: number; value: unknown; pending?: Promise<unknown> }>;
};

/** An error the HTTP layer turns into `{error:{code,message}}` with this status. */
export class AgentError extends Error {
  constructor(
    public readonly code: string,
    public readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'AgentError';
  }
}
