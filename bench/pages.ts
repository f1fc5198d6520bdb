/**
 * Benchmark: the dashboard's first screens at the size of a real vCenter.
 *
 *   npm run bench -- pages [--hosts 2500] [--vms-per-host 16] [--hosts-per-cluster 20] [--runs 5] [--filters 40]
 *
 * The lab (2,500 hosts / 40,000 VMs, 3 KMS nodes) in this process, PostgreSQL from Debian's package
 * (the server the tests start), one poll of every target so the tables hold the whole estate, then
 * the production build (`node scripts/launch.mjs build`, a no-op when up to date) served by the web
 * process `npm start` runs (dist/web.mjs), driven by Debian's Chromium with the e2e flags:
 *
 * - overviewLcpMs / hostsLcpMs: median largest contentful paint of `/` and `/hosts`, signed in, cold
 *   page each run (a fresh browser context: no HTTP cache);
 * - overviewJsKbGz: the JavaScript the overview loads, gzipped (each script fetched once, gzip -6);
 * - loginLcpMs: the same for the sign-in page, signed out — no data, the same CSS and framework: the
 *   floor any page has in this browser on this machine, so the two LCPs can be read against it;
 * - filterP95Ms: the hosts table's filter round trip, from the request of a new name filter leaving
 *   the browser to the table showing the server's answer, p95 over --filters changes.
 *
 * Last stdout line: JSON with overviewLcpMs, hostsLcpMs, overviewJsKbGz, filterP95Ms (and a few more).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { z } from 'zod';
import { parseBenchArgs } from './support/args';
import { percentile } from './support/stats';

const ArgsSchema = z
  .object({
    hosts: z.coerce.number().int().min(1).default(2500),
    vmsPerHost: z.coerce.number().int().min(0).max(200).default(16),
    hostsPerCluster: z.coerce.number().int().min(1).max(64).default(20),
    runs: z.coerce.number().int().min(1).max(50).default(5),
    filters: z.coerce.number().int().min(4).max(500).default(40),
  })
  .strict();

const ROOT = path.resolve(import.meta.dirname, '..');
const PASSWORD = 'bench-pages-password-1';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
const log = (msg: string) => process.stderr.write(`[pages] ${msg}\n`);

async function fillDatabase(dbUrl: string, args: z.output<typeof ArgsSchema>, masterKey: string) {
  const { startLab } = await import('../lab/main');
  const { createPrismaClient } = await import('../lib/db/client');
  const { createKmsProvider, createVcenter } = await import('../lib/targets/store');
  const { SecretBox } = await import('../lib/secrets/keyring');
  const { masterKeyFromBytes } = await import('../lib/secrets/envelope');
  const { pollDue } = await import('../lib/poller/due-targets');
  const { RowCache } = await import('../lib/poller/cycle');
  const { createLogger } = await import('../lib/logging/logger');
  const { hashPassword } = await import('../lib/auth/passwords');
  const { createLocalUser } = await import('../lib/auth/users');

  const lab = await startLab({ kmsNodeCount: 3, estate: { clusters: Math.ceil(args.hosts / args.hostsPerCluster), hostsPerCluster: args.hostsPerCluster, vmsPerHost: args.vmsPerHost, seed: 7 } });
  const prisma = createPrismaClient(dbUrl, 10);
  const key = masterKeyFromBytes(Buffer.from(masterKey, 'base64'));
  const box = new SecretBox({ current: key, all: [key], source: 'env' });
  await createVcenter(prisma, box, { name: 'lab-vcenter', url: lab.vcenter.url, username: lab.vcenter.username, password: lab.vcenter.password, caPem: lab.vcenter.caPem });
  await createKmsProvider(prisma, box, {
    name: lab.kms.providerId,
    nodes: lab.kms.nodes.map((n) => ({ host: n.host, port: n.port })),
    caPem: lab.kms.caPem,
    clientCertPem: lab.kms.client.certPem,
    clientKeyPem: lab.kms.client.keyPem,
  });
  let offset = 0;
  const deps = {
    prisma,
    box,
    workerId: 'bench-pages',
    now: () => new Date(Date.now() + offset),
    logger: createLogger('bench-pages', { level: 'warn', destination: process.stderr as never }),
    settings: { vcenterIntervalMs: 30_000, kmsIntervalMs: 10_000, vcenterTimeoutMs: 600_000, kmsTimeoutMs: 60_000, staleAfterMs: 3600_000 },
    cache: new RowCache(),
    transactionTimeoutMs: 600_000,
  };
  // vCenter first (which keys are in use), then the KMS probe of every one of them.
  const t = Date.now();
  await pollDue(deps, 'vcenter', 4);
  offset += 10_000;
  await pollDue(deps, 'kms', 4);
  // The clock ran ahead for the second KMS cycle; stored times are put back to now so nothing reads stale.
  await prisma.pollState.updateMany({ data: { lastSuccessAt: new Date() } });
  await createLocalUser(prisma, { username: 'bench', role: 'admin', passwordHash: await hashPassword(PASSWORD) });
  const hosts = await prisma.vcHost.count();
  const vms = await prisma.vcVm.count();
  log(`estate stored: ${hosts} hosts, ${vms} VMs in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  await prisma.$disconnect();
  return { lab, hosts, vms };
}

function startWeb(dbUrl: string, port: number, dataDir: string, masterKey: string): Promise<ChildProcess> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KEYWATCH_') && k !== 'DATABASE_URL' && k !== 'PORT'));
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/web.mjs')], {
    cwd: ROOT,
    env: { ...env, NODE_ENV: 'production', DATABASE_URL: dbUrl, PORT: String(port), HOSTNAME: '127.0.0.1', KEYWATCH_DATA_DIR: dataDir, KEYWATCH_MASTER_KEY: masterKey, KEYWATCH_LAB: 'off' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('started server on')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`the web server exited (${code}) before listening: ${out.trim().split('\n').at(-1) ?? ''}`)));
  });
}

async function signedInContext(browser: Browser, baseURL: string): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 900 } });
  const res = await context.request.post('/api/auth/login', { data: { username: 'bench', password: PASSWORD } });
  if (res.status() !== 200) throw new Error(`sign-in answered ${res.status()}: ${await res.text()}`);
  return context;
}

/** LCP of one cold load of `pathname`, once the page has settled. */
async function lcp(browser: Browser, baseURL: string, pathname: string, waitFor: string, signedIn = true): Promise<{ lcpMs: number; scripts: string[] }> {
  const context = signedIn ? await signedInContext(browser, baseURL) : await browser.newContext({ baseURL, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const scripts: string[] = [];
  page.on('response', (r) => {
    if (r.request().resourceType() === 'script') scripts.push(r.url());
  });
  await page.goto(pathname, { waitUntil: 'load' });
  await page.waitForSelector(waitFor, { timeout: 120_000 });
  const value = await page.evaluate(
    () =>
      new Promise<{ lcp: number; element: string; ttfb: number; fcp: number }>((resolve) => {
        new PerformanceObserver((list) => {
          const entries = list.getEntries();
          const last = entries[entries.length - 1] as PerformanceEntry & { element?: Element | null };
          const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
          const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN;
          const el = last.element;
          resolve({ lcp: last.startTime, element: el ? `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).split(' ')[0]}` : ''}` : '?', ttfb: nav?.responseStart ?? NaN, fcp });
        }).observe({ type: 'largest-contentful-paint', buffered: true });
      }),
  );
  await context.close();
  log(`  ${pathname}: TTFB ${value.ttfb.toFixed(0)} ms, FCP ${value.fcp.toFixed(0)} ms, LCP ${value.lcp.toFixed(0)} ms on ${value.element}`);
  return { lcpMs: value.lcp, scripts };
}

async function jsGzipKb(baseURL: string, cookieContext: BrowserContext, urls: string[]): Promise<number> {
  let bytes = 0;
  for (const url of new Set(urls)) {
    const res = await cookieContext.request.get(url.startsWith('http') ? url : `${baseURL}${url}`);
    bytes += gzipSync(await res.body(), { level: 6 }).length;
  }
  return Math.round((bytes / 1024) * 10) / 10;
}

/**
 * Filter changes on /hosts: a different name filter each time (so React Query never answers from its
 * cache), from the moment the table's request leaves — the search box waits for typing to pause
 * first, which is not part of the round trip — until the table shows the server's answer.
 */
async function filterRoundTrips(browser: Browser, baseURL: string, count: number, clusters: number): Promise<number[]> {
  const context = await signedInContext(browser, baseURL);
  const page = await context.newPage();
  await page.goto('/hosts');
  await page.waitForSelector('table tbody tr');
  const search = page.getByLabel('Name');
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const prefix = `esx-${String((i % clusters) + 1).padStart(2, '0')}-`;
    const sent = page.waitForRequest((r) => r.url().includes('/api/v1/hosts?') && r.url().includes(`q=${prefix}`), { timeout: 60_000 }).then(() => Date.now());
    await search.fill(prefix);
    const started = await sent;
    // The table shows the answer: its first row is a host of that cluster.
    await page.waitForFunction((p) => document.querySelector('table tbody tr td')?.textContent?.startsWith(p) ?? false, prefix, { timeout: 60_000 });
    times.push(Date.now() - started);
  }
  await context.close();
  return times;
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2), ArgsSchema);
  const { startTestPostgres } = await import('../lib/db/testing/postgres-server');
  const { createMigratedDatabase } = await import('./support/database');
  const { findFreePort } = await import('../lib/runtime/ports');

  log('production build (node scripts/launch.mjs build; quick when nothing changed)…');
  const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts/launch.mjs'), 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (build.status !== 0) throw new Error(`the production build failed (exit ${build.status})`);

  const pgServer = await startTestPostgres();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'keywatch-bench-pages-'));
  const cleanups: (() => Promise<unknown> | void)[] = [() => pgServer.stop(), () => rmSync(dataDir, { recursive: true, force: true })];
  try {
    const dbUrl = new URL(await createMigratedDatabase(pgServer.url, 'keywatch_bench_pages'));
    const masterKey = randomBytes(32).toString('base64');
    log(`lab: ${Math.ceil(args.hosts / args.hostsPerCluster) * args.hostsPerCluster} hosts × ${args.vmsPerHost} VMs, first poll…`);
    const { lab, hosts, vms } = await fillDatabase(dbUrl.toString(), args, masterKey);
    cleanups.unshift(() => lab.stop());

    const port = await findFreePort();
    const web = await startWeb(dbUrl.toString(), port, dataDir, masterKey);
    cleanups.unshift(() => new Promise<void>((resolve) => (web.exitCode !== null ? resolve() : (web.once('exit', () => resolve()), web.kill('SIGTERM')))));
    const baseURL = `http://127.0.0.1:${port}`;
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
    cleanups.unshift(() => browser.close());

    // One warm-up load of each page: Next compiles nothing in production, but the first request pays for Prisma's connections.
    await lcp(browser, baseURL, '/', '.host-cell');
    await lcp(browser, baseURL, '/hosts', 'table tbody tr');
    const overview: number[] = [];
    const hostsLcp: number[] = [];
    // The floor under both: the sign-in page (same CSS and framework scripts, no data) from the same server and browser.
    const baseline: number[] = [];
    let scripts: string[] = [];
    for (let i = 0; i < args.runs; i++) {
      const o = await lcp(browser, baseURL, '/', '.host-cell');
      overview.push(o.lcpMs);
      scripts = o.scripts;
      hostsLcp.push((await lcp(browser, baseURL, '/hosts', 'table tbody tr')).lcpMs);
      baseline.push((await lcp(browser, baseURL, '/login', 'form', false)).lcpMs);
      log(`run ${i + 1}: overview LCP ${o.lcpMs.toFixed(0)} ms, hosts LCP ${hostsLcp.at(-1)!.toFixed(0)} ms`);
    }
    const ctx = await signedInContext(browser, baseURL);
    const overviewJsKbGz = await jsGzipKb(baseURL, ctx, scripts);
    const overviewHtml = await ctx.request.get('/');
    const overviewHtmlKbGz = Math.round((gzipSync(await overviewHtml.body()).length / 1024) * 10) / 10;
    await ctx.close();
    const filters = await filterRoundTrips(browser, baseURL, args.filters, Math.ceil(args.hosts / args.hostsPerCluster));
    log(`filter round trips: median ${percentile(filters, 50).toFixed(0)} ms, p95 ${percentile(filters, 95).toFixed(0)} ms`);
    const figures = {
      overviewLcpMs: Math.round(percentile(overview, 50)),
      hostsLcpMs: Math.round(percentile(hostsLcp, 50)),
      overviewJsKbGz,
      filterP95Ms: Math.round(percentile(filters, 95)),
      overviewHtmlKbGz,
      loginLcpMs: Math.round(percentile(baseline, 50)),
      hosts,
      vms,
      runs: args.runs,
    };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    for (const cleanup of cleanups) await Promise.resolve(cleanup()).catch(() => undefined);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench pages: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
