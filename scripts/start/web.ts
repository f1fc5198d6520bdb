import path from 'node:path';
import next from 'next';
import { parseEnv } from '../../lib/config/env';
import { createWebServer } from '../../lib/http/web-server';
import { stopOnSignals } from '../../lib/runtime/shutdown';

/**
 * The web child of `npm start`: Next's request handler behind Keywatch's own HTTP server, which
 * rewrites X-Forwarded-* from the socket peer and KEYWATCH_TRUSTED_PROXIES before Next sees them
 * (`next start` would keep a forged X-Forwarded-For). Prints "started server on …" when listening.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');

async function main(): Promise<void> {
  const env = parseEnv();
  const dev = process.argv.includes('--dev');
  const app = next({ dev, dir: ROOT, hostname: env.HOSTNAME, port: env.PORT });
  await app.prepare();
  const handle = app.getRequestHandler();
  const server = createWebServer((request, response) => handle(request, response), env.KEYWATCH_TRUSTED_PROXIES);
  if (dev) server.on('upgrade', app.getUpgradeHandler());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(env.PORT, env.HOSTNAME, resolve);
  });
  console.log(`started server on http://${env.HOSTNAME}:${env.PORT} (trusted proxies: ${env.KEYWATCH_TRUSTED_PROXIES.kind === 'none' ? 'none' : env.KEYWATCH_TRUSTED_PROXIES.kind === 'hops' ? `${env.KEYWATCH_TRUSTED_PROXIES.hops} hop(s)` : env.KEYWATCH_TRUSTED_PROXIES.text})`);
  stopOnSignals('web', async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await app.close();
  });
}

main().catch((error: unknown) => {
  console.error(`The web server could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
