import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

// NEXTAUTH_SECRET and VAKT_SECRET_KEY for `npm run demo` / `npm start` on a machine where nobody set
// them: generated once into .vakt/secrets.json (mode 0600) and reused, so sessions and the agent
// tokens encrypted with the key survive restarts. Values from the environment always win.

export type TAppSecrets = { NEXTAUTH_SECRET: string; VAKT_SECRET_KEY: string };

export function loadOrCreateSecrets(opts: { file: string; env?: NodeJS.ProcessEnv }): { secrets: TAppSecrets; created: boolean; file: string } {
  const env = opts.env ?? process.env;
  const file = path.resolve(opts.file);
  let stored: Partial<TAppSecrets> = {};
  if (fs.existsSync(file)) {
    try {
      stored = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<TAppSecrets>;
    } catch {
      throw new Error(`${file} is not valid JSON: fix or delete it (sessions and stored agent tokens depend on it)`);
    }
  }
  let created = false;
  const pick = (key: keyof TAppSecrets, make: () => string) => {
    if (env[key]) return env[key]!;
    if (stored[key]) return stored[key]!;
    created = true;
    return (stored[key] = make());
  };
  const secrets: TAppSecrets = {
    NEXTAUTH_SECRET: pick('NEXTAUTH_SECRET', () => crypto.randomBytes(32).toString('hex')),
    VAKT_SECRET_KEY: pick('VAKT_SECRET_KEY', () => crypto.randomBytes(32).toString('base64')),
  };
  if (created) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600 });
  }
  if (fs.existsSync(file)) fs.chmodSync(file, 0o600);
  return { secrets, created, file };
}
