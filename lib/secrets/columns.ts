/**
 * Every encrypted column: the purpose bound into its envelopes, and how rotation / upgrade read
 * the row binding (lib/secrets/envelope.ts) with plain SQL. Rotation walks this list; a new
 * secret column must be added here or rotation would leave it on the old key.
 */
export interface SecretColumn {
  table: string;
  column: string;
  purpose: string;
  /** Selects `id`, `value` (the envelope) and the fields `binding` needs, rows locked. */
  select: string;
  binding(row: Record<string, unknown>): string[];
}

/** A vCenter password is bound to the row and to where it is sent: URL and user name. */
export function vcenterBinding(row: { id: string; url: string; username: string }): string[] {
  return [row.id, row.url, row.username];
}

/** A KMS client key is bound to the row and to the nodes it authenticates to (order-free). */
export function kmsBinding(row: { id: string; nodes: readonly { host: string; port: number }[] }): string[] {
  const nodes = row.nodes.map((n) => `${n.host.toLowerCase()}:${n.port}`).sort();
  return [row.id, nodes.join(',')];
}

/** An OpenStack password is bound to the row and to where it is sent: Keystone URL, user and the user's domain. */
export function openstackBinding(row: { id: string; authUrl: string; username: string; userDomain: string }): string[] {
  return [row.id, row.authUrl, row.username, row.userDomain];
}

/** A webhook's signing secret is bound to the row and to the URL it signs for. */
export function webhookBinding(row: { id: string; url: string }): string[] {
  return [row.id, row.url];
}

/** A TOTP secret is bound to its user. */
export function userBinding(row: { id: string }): string[] {
  return [row.id];
}

const text = (value: unknown): string => String(value);

export const SECRET_COLUMNS = [
  {
    table: 'VcenterTarget',
    column: 'passwordEnc',
    purpose: 'VcenterTarget.password',
    select: `SELECT "id", "passwordEnc" AS value, "url", "username" FROM "VcenterTarget" WHERE "passwordEnc" IS NOT NULL FOR UPDATE`,
    binding: (row) => vcenterBinding({ id: text(row.id), url: text(row.url), username: text(row.username) }),
  },
  {
    table: 'KmsProvider',
    column: 'clientKeyEnc',
    purpose: 'KmsProvider.clientKey',
    select: `SELECT p."id", p."clientKeyEnc" AS value,
               coalesce((SELECT json_agg(json_build_object('host', n."host", 'port', n."port")) FROM "KmsNode" n WHERE n."providerId" = p."id"), '[]'::json) AS nodes
             FROM "KmsProvider" p WHERE p."clientKeyEnc" IS NOT NULL FOR UPDATE`,
    binding: (row) => kmsBinding({ id: text(row.id), nodes: row.nodes as { host: string; port: number }[] }),
  },
  {
    table: 'OpenstackCloud',
    column: 'passwordEnc',
    purpose: 'OpenstackCloud.password',
    select: `SELECT "id", "passwordEnc" AS value, "authUrl", "username", "userDomain" FROM "OpenstackCloud" WHERE "passwordEnc" IS NOT NULL FOR UPDATE`,
    binding: (row) => openstackBinding({ id: text(row.id), authUrl: text(row.authUrl), username: text(row.username), userDomain: text(row.userDomain) }),
  },
  {
    table: 'User',
    column: 'totpSecretEnc',
    purpose: 'User.totpSecret',
    select: `SELECT "id", "totpSecretEnc" AS value FROM "User" WHERE "totpSecretEnc" IS NOT NULL FOR UPDATE`,
    binding: (row) => userBinding({ id: text(row.id) }),
  },
  {
    table: 'User',
    column: 'totpPendingEnc',
    purpose: 'User.totpPending',
    select: `SELECT "id", "totpPendingEnc" AS value FROM "User" WHERE "totpPendingEnc" IS NOT NULL FOR UPDATE`,
    binding: (row) => userBinding({ id: text(row.id) }),
  },
  {
    table: 'Webhook',
    column: 'secretEnc',
    purpose: 'Webhook.secret',
    select: `SELECT "id", "secretEnc" AS value, "url" FROM "Webhook" WHERE "secretEnc" IS NOT NULL FOR UPDATE`,
    binding: (row) => webhookBinding({ id: text(row.id), url: text(row.url) }),
  },
] as const satisfies readonly SecretColumn[];

export type SecretPurpose = (typeof SECRET_COLUMNS)[number]['purpose'];
