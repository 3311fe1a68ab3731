// Next.js register hook (Node.js runtime only; the documented `NEXT_RUNTIME === 'nodejs'` guard lets
// the edge bundle drop the import): starts the embedded worker (the loops of lib/worker/loops.ts)
// when VAKT_WORKER is 'embedded' (default). Live compliance findings need no registration (lib/findings/get-context-findings.ts loads them).
// Never throws: a database that is down only makes the worker retry.
export async function register() {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { registerNodeInstrumentation } = await import('./lib/worker/instrumentation-node');
    await registerNodeInstrumentation();
  }
}
