import { z } from 'zod';
import { TOKEN_FORMAT } from './api-tokens';
import { ROLES, type Role } from './policy';
import { BREACHED_MESSAGE, isBreachedPassword } from './breached-passwords';
import { MIN_PASSWORD_LENGTH } from './password-rules';

/**
 * Settings owned by lib/auth (KEYWATCH_ADMIN*, KEYWATCH_BOOTSTRAP*, KEYWATCH_OIDC*,
 * KEYWATCH_SESSION*, KEYWATCH_DEMO*), parsed here and nowhere else.
 */
const roleMap = z
  .string()
  .transform((text, ctx) => {
    const map: Array<{ role: Role; group: string }> = [];
    for (const entry of text.split(',').map((s) => s.trim()).filter(Boolean)) {
      const [role, group] = entry.split('=').map((s) => s.trim());
      if (!role || !group || !(ROLES as readonly string[]).includes(role)) {
        ctx.addIssue({ code: 'custom', message: `must look like admin=group-a,oncall=group-b (roles: ${ROLES.join(', ')})` });
        return z.NEVER;
      }
      map.push({ role: role as Role, group });
    }
    return map;
  });

const authEnvSchema = z.object({
  KEYWATCH_ADMIN_PASSWORD: z
    .string()
    .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
    .max(1024)
    .refine((password) => !isBreachedPassword(password), BREACHED_MESSAGE)
    .optional(),
  KEYWATCH_BOOTSTRAP_TOKEN: z
    .string()
    .regex(TOKEN_FORMAT, 'must be kw_ followed by at least 32 letters, digits, _ or -')
    .optional(),
  // The absolute lifetime is capped at a day: a stolen cookie must not outlive a working day by much.
  KEYWATCH_SESSION_TTL_HOURS: z.coerce.number({ error: 'must be a number of hours' }).min(0.05).max(24, 'must be at most 24 (hours)').default(12),
  KEYWATCH_SESSION_IDLE_MINUTES: z.coerce.number({ error: 'must be a number of minutes' }).min(1).max(24 * 60).default(30),
  // auto: Secure unless the browser talks to a loopback address (http://127.0.0.1 in development).
  KEYWATCH_SESSION_SECURE: z.enum(['auto', 'always'], { error: 'must be auto or always (plain-http cookies are allowed only on loopback)' }).default('auto'),
  KEYWATCH_ADMIN_TOKEN_MAX_DAYS: z.coerce.number({ error: 'must be a number of days' }).int().min(1).max(3650).default(90),
  KEYWATCH_ADMIN_TOTP: z.enum(['optional', 'required'], { error: 'must be optional or required' }).default('optional'),
  KEYWATCH_DEMO: z.enum(['auto', 'on', 'off'], { error: 'must be auto, on or off' }).default('auto'),
  KEYWATCH_OIDC_ISSUER: z.url().optional(),
  KEYWATCH_OIDC_CLIENT_ID: z.string().min(1).optional(),
  KEYWATCH_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  KEYWATCH_OIDC_SCOPES: z.string().min(1).default('openid profile email'),
  KEYWATCH_OIDC_GROUPS_CLAIM: z.string().min(1).default('groups'),
  KEYWATCH_OIDC_ROLE_MAP: roleMap.optional(),
  // none: an account at the identity provider is not enough to read the estate; map a group.
  KEYWATCH_OIDC_DEFAULT_ROLE: z.enum([...ROLES, 'none']).default('none'),
  KEYWATCH_OIDC_LABEL: z.string().min(1).max(60).default('Single sign-on'),
  /** Lab mode (set by `npm start` when the lab runs) turns on the demo login in auto mode. */
  KEYWATCH_LAB_CONFIG: z.string().optional(),
  KEYWATCH_TARGETS_FILE: z.string().min(1).optional(),
  PORT: z.coerce.number().int().default(3000),
  HOSTNAME: z.string().default('127.0.0.1'),
});

export type AuthConfig = ReturnType<typeof parseAuthConfig>;

export class AuthConfigError extends Error {
  override name = 'AuthConfigError';
}

// Names this module (and lib/secrets) owns; a typo such as KEYWATCH_OIDC_ISUER must not be ignored.
const OWNED = /^KEYWATCH_(ADMIN|BOOTSTRAP|OIDC|SESSION|DEMO|TARGETS|MASTER)/;
const OTHER_KNOWN = new Set(['KEYWATCH_MASTER_KEY', 'KEYWATCH_MASTER_KEY_PREVIOUS', 'KEYWATCH_MASTER_KEY_NEW']);

export function parseAuthConfig(source: Record<string, string | undefined> = process.env) {
  const unknown = Object.keys(source).filter((name) => OWNED.test(name) && !(name in authEnvSchema.shape) && !OTHER_KNOWN.has(name));
  if (unknown.length > 0) throw new AuthConfigError(`Unknown setting ${unknown.join(', ')}: check the spelling.`);
  const picked = Object.fromEntries(Object.keys(authEnvSchema.shape).map((k) => [k, source[k] === '' ? undefined : source[k]]));
  const parsed = authEnvSchema.safeParse(picked);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AuthConfigError(`${String(issue.path[0])} ${issue.message}.`);
  }
  const env = parsed.data;
  const oidcParts = [env.KEYWATCH_OIDC_ISSUER, env.KEYWATCH_OIDC_CLIENT_ID];
  if (oidcParts.some(Boolean) && !oidcParts.every(Boolean)) {
    throw new AuthConfigError('OIDC sign-in needs both KEYWATCH_OIDC_ISSUER and KEYWATCH_OIDC_CLIENT_ID.');
  }
  const demo = env.KEYWATCH_DEMO === 'on' || (env.KEYWATCH_DEMO === 'auto' && Boolean(env.KEYWATCH_LAB_CONFIG));
  return {
    adminPassword: env.KEYWATCH_ADMIN_PASSWORD,
    bootstrapToken: env.KEYWATCH_BOOTSTRAP_TOKEN,
    sessionTtlMs: env.KEYWATCH_SESSION_TTL_HOURS * 3600_000,
    sessionIdleMs: env.KEYWATCH_SESSION_IDLE_MINUTES * 60_000,
    sessionSecure: env.KEYWATCH_SESSION_SECURE,
    adminTokenMaxDays: env.KEYWATCH_ADMIN_TOKEN_MAX_DAYS,
    adminTotpRequired: env.KEYWATCH_ADMIN_TOTP === 'required',
    demo,
    labConfig: env.KEYWATCH_LAB_CONFIG,
    targetsFile: env.KEYWATCH_TARGETS_FILE,
    publicBaseUrl: `http://${env.HOSTNAME}:${env.PORT}`,
    oidc:
      env.KEYWATCH_OIDC_ISSUER && env.KEYWATCH_OIDC_CLIENT_ID
        ? {
            issuer: env.KEYWATCH_OIDC_ISSUER,
            clientId: env.KEYWATCH_OIDC_CLIENT_ID,
            clientSecret: env.KEYWATCH_OIDC_CLIENT_SECRET,
            scopes: env.KEYWATCH_OIDC_SCOPES,
            groupsClaim: env.KEYWATCH_OIDC_GROUPS_CLAIM,
            roleMap: env.KEYWATCH_OIDC_ROLE_MAP ?? [],
            defaultRole: env.KEYWATCH_OIDC_DEFAULT_ROLE,
            label: env.KEYWATCH_OIDC_LABEL,
          }
        : undefined,
  };
}

let cached: AuthConfig | undefined;

export function getAuthConfig(): AuthConfig {
  cached ??= parseAuthConfig();
  return cached;
}
