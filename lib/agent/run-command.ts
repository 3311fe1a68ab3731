import { execFile } from 'node:child_process';

export type TCommandResult = { code: number; stdout: string; stderr: string; timedOut: boolean };

/**
 * Runs a program without a shell. When the agent runs as root, the program runs as `runAs`
 * (through `runuser -u USER --`), so files PostgreSQL touches keep the right owner.
 * Never rejects: the caller decides what a non-zero exit means.
 */
export function runCommand(opts: {
  file: string;
  args: string[];
  runAs?: string;
  timeoutMs: number;
  maxBuffer?: number;
  /** aborts the program (drills: DELETE /v1/drills/{id}); it gets `killSignal` (default SIGKILL) */
  signal?: AbortSignal;
  killSignal?: NodeJS.Signals;
}): Promise<TCommandResult> {
  const asOther = opts.runAs && process.getuid?.() === 0 && opts.runAs !== 'root';
  const file = asOther ? 'runuser' : opts.file;
  const args = asOther ? ['-u', opts.runAs!, '--', opts.file, ...opts.args] : opts.args;
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { timeout: opts.timeoutMs, killSignal: opts.killSignal ?? 'SIGKILL', signal: opts.signal, maxBuffer: opts.maxBuffer ?? 8 * 1024 * 1024, encoding: 'utf8', cwd: '/' },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { killed?: boolean; code?: number | string }) | null;
        const timedOut = Boolean(e?.killed) && !opts.signal?.aborted;
        const code = e ? (typeof e.code === 'number' ? e.code : -1) : 0;
        const extra = e && typeof e.code === 'string' ? `${e.code}: ${e.message}` : '';
        resolve({ code, stdout: String(stdout ?? ''), stderr: String(stderr ?? '') + extra, timedOut });
      },
    );
  });
}
