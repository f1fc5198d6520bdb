import { createPrismaClient, type Db, type PrismaClient } from '../db/client';
import { recordAudit } from '../audit/record';
import { loadKeyring, SecretBox } from '../secrets/keyring';
import { assertKeyringCoversStoredSecrets, storedKeyIds, upgradeLegacySecrets } from '../secrets/rotate';
import { applyTargetsFile, type ApplyResult } from '../targets/config-file';
import { applyLabTargets } from '../targets/lab-targets';
import { createApiToken } from './api-tokens';
import { parseAuthConfig, type AuthConfig } from './config';
import { hashPassword } from './passwords';
import { randomToken, sha256Hex } from './secure-random';

/**
 * First-start work, idempotent and safe to run from several processes at once (one advisory
 * lock): the first admin from KEYWATCH_ADMIN_PASSWORD, the admin API token from
 * KEYWATCH_BOOTSTRAP_TOKEN, the demo viewer in lab / demo mode, a one-time setup link when no
 * one can sign in, then the targets file and lab targets. Never a default password.
 */
export const DEMO_USERNAME = 'demo';
export const SETUP_TOKEN_TTL_MS = 24 * 3600_000;
const BOOTSTRAP_LOCK = 0x6b770001;

export interface BootstrapResult {
  adminCreated: boolean;
  bootstrapTokenCreated: boolean;
  demoUser: 'enabled' | 'disabled' | 'absent';
  setupLink?: string;
  targets?: ApplyResult;
  labTargets?: ApplyResult;
}

export interface BootstrapOptions {
  secrets?: SecretBox;
  log?: (line: string) => void;
  config?: AuthConfig;
}

export async function bootstrapAuth(prisma: PrismaClient, env: Record<string, string | undefined> = process.env, options: BootstrapOptions = {}): Promise<BootstrapResult> {
  const config = options.config ?? parseAuthConfig(env);
  const log = options.log ?? ((line: string) => console.log(line));
  const result: BootstrapResult = { adminCreated: false, bootstrapTokenCreated: false, demoUser: 'absent' };
  const adminHash = config.adminPassword ? await hashPassword(config.adminPassword) : undefined;
  let setupToken: string | undefined;

  await prisma.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${BOOTSTRAP_LOCK})`;
      // Only for an installation nobody can sign in to: once any person exists, a deleted admin stays deleted.
      if (adminHash && (await tx.user.count({ where: { isDemo: false } })) === 0) {
        const admin = await tx.user.create({ data: { username: 'admin', displayName: 'Administrator', role: 'admin', passwordHash: adminHash } });
        result.adminCreated = true;
        await recordAudit(tx, { actor: { type: 'system', name: 'bootstrap' }, action: 'user.create', outcome: 'success', target: { type: 'user', id: admin.id }, details: { username: 'admin', role: 'admin', from: 'KEYWATCH_ADMIN_PASSWORD' } });
      }
      if (config.bootstrapToken && !(await tx.apiToken.findUnique({ where: { tokenHash: sha256Hex(config.bootstrapToken) } }))) {
        // An admin token like any other: it expires after KEYWATCH_ADMIN_TOKEN_MAX_DAYS (set a new value to mint another).
        const expiresAt = new Date(Date.now() + config.adminTokenMaxDays * 86_400_000);
        const token = await createApiToken(tx, { name: 'bootstrap', scopes: ['admin'], expiresAt, createdById: null, origin: 'bootstrap', value: config.bootstrapToken });
        result.bootstrapTokenCreated = true;
        await recordAudit(tx, { actor: { type: 'system', name: 'bootstrap' }, action: 'token.create', outcome: 'success', target: { type: 'token', id: token.id }, details: { name: 'bootstrap', scopes: ['admin'], from: 'KEYWATCH_BOOTSTRAP_TOKEN', expiresAt: expiresAt.toISOString() } });
      }
      const demo = await tx.user.findUnique({ where: { username: DEMO_USERNAME } });
      if (config.demo) {
        if (!demo) await tx.user.create({ data: { username: DEMO_USERNAME, displayName: 'Demo (read-only)', role: 'viewer', isDemo: true } });
        // Whatever happened to it, the password-less demo account is a viewer without a password.
        else if (demo.isDemo && (demo.disabled || demo.role !== 'viewer' || demo.passwordHash)) {
          await tx.user.update({ where: { id: demo.id }, data: { disabled: false, role: 'viewer', passwordHash: null } });
        }
        result.demoUser = 'enabled';
      } else if (demo?.isDemo) {
        if (!demo.disabled) await tx.user.update({ where: { id: demo.id }, data: { disabled: true } });
        result.demoUser = 'disabled';
      }
      const people = await tx.user.count({ where: { isDemo: false, disabled: false } });
      if (people === 0) {
        const live = await tx.setupToken.findFirst({ where: { usedAt: null, expiresAt: { gt: new Date() } } });
        if (!live) {
          setupToken = randomToken(32);
          await tx.setupToken.create({ data: { tokenHash: sha256Hex(setupToken), expiresAt: new Date(Date.now() + SETUP_TOKEN_TTL_MS) } });
        } else {
          log('Keywatch has no users yet: use the one-time setup link printed when this installation first started (it expires after 24 hours; a new one is printed at the next start after that).');
        }
      }
    },
    { timeout: 30_000, maxWait: 30_000 },
  );

  if (setupToken) {
    result.setupLink = `${config.publicBaseUrl}/login/setup?token=${setupToken}`;
    // The one place a secret is logged, on purpose: it is how the first admin gets in. One use, 24 h.
    log(`\nKeywatch has no users. Create the first admin within 24 hours at this one-time link:\n  ${result.setupLink}\n`);
  }

  // Housekeeping: expired sessions and old sign-in attempts serve no purpose.
  await prisma.session.deleteMany({ where: { expiresAt: { lt: new Date() } } });
  await prisma.loginAttempt.deleteMany({ where: { createdAt: { lt: new Date(Date.now() - 24 * 3600_000) } } });

  if (options.secrets) {
    // Refuse to run with a keyring that cannot open what is stored (a lost or wrong master key).
    await assertKeyringCoversStoredSecrets(prisma, options.secrets.keyring);
    const upgraded = await upgradeLegacySecrets(prisma, options.secrets.keyring);
    if (upgraded > 0) log(`Re-encrypted ${upgraded} stored secret(s) bound to their rows (envelope kw2).`);
    if (config.targetsFile) {
      result.targets = await applyTargetsFile(prisma, options.secrets, config.targetsFile, env);
      log(`Targets file ${config.targetsFile} applied: ${summarize(result.targets)}.`);
    }
    if (config.labConfig) {
      try {
        result.labTargets = await applyLabTargets(prisma, options.secrets, config.labConfig);
      } catch (error) {
        log(`Lab targets were not registered: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  return result;
}

function summarize(r: ApplyResult): string {
  return `${r.created.length} created, ${r.updated.length} updated, ${r.removed.length} removed`;
}

/** Whether a setup link's token is live (unexpired, unused), without spending it. */
export async function isLiveSetupToken(prisma: PrismaClient, token: string): Promise<boolean> {
  return (await prisma.setupToken.count({ where: { tokenHash: sha256Hex(token), usedAt: null, expiresAt: { gt: new Date() } } })) === 1;
}

/** Consumes a setup link's token: true once, for an unexpired unused token. */
export async function consumeSetupToken(prisma: Db, token: string): Promise<boolean> {
  const claimed = await prisma.setupToken.updateMany({
    where: { tokenHash: sha256Hex(token), usedAt: null, expiresAt: { gt: new Date() } },
    data: { usedAt: new Date() },
  });
  return claimed.count === 1;
}

/**
 * For the start sequence (scripts/start/main.ts), after migrations and the lab: runs the whole
 * bootstrap with its own short-lived connection. `env` is the children's environment (it must
 * carry KEYWATCH_LAB_CONFIG in lab mode); `dataDir` holds master.key when KEYWATCH_MASTER_KEY is unset.
 */
export async function bootstrapAtStart(databaseUrl: string, env: Record<string, string | undefined>, dataDir: string): Promise<BootstrapResult> {
  const prisma = createPrismaClient(databaseUrl, 2);
  try {
    // A key file is generated only for a database that holds no secret yet.
    const keyring = loadKeyring(env, dataDir, { create: (await storedKeyIds(prisma)).length === 0 });
    return await bootstrapAuth(prisma, env, { secrets: new SecretBox(keyring) });
  } finally {
    await prisma.$disconnect();
  }
}
