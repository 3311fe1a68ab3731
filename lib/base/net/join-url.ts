// The one way to put an agent's (or Patroni's) registered base URL and an API path together: the base
// may carry a path prefix and trailing slashes ("http://10.0.0.5:7070/node-1/"), the path starts with
// "/" ("/v1/status"). Pure string work: the SSRF guard in agent-http.ts checks the result.
export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}
