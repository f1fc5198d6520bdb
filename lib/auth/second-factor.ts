import type { Db } from '../db/client';
import { DomainError } from '../http/errors';
import { userBinding, type SecretPurpose } from '../secrets/columns';
import type { SecretBox } from '../secrets/keyring';
import { sha256Hex } from './secure-random';
import { generateRecoveryCodes, generateTotpSecret, normalizeRecoveryCode, otpauthUri, verifyTotp } from './totp';

/**
 * The second factor of local accounts: a TOTP authenticator (secret sealed by lib/secrets, bound
 * to the user's row) plus ten one-time recovery codes (SHA-256 only). OIDC accounts get theirs
 * from the identity provider; the demo viewer has none.
 */
const TOTP_SECRET: SecretPurpose = 'User.totpSecret';
const TOTP_PENDING: SecretPurpose = 'User.totpPending';

// not-allowed is a 409: the account's kind (SSO, demo) or a setting rules it out, not the caller's permissions.
const ACCOUNT_ERROR_STATUS = { invalid: 400, 'not-allowed': 409, conflict: 409, 'not-found': 404 } as const;

export class AccountError extends DomainError<keyof typeof ACCOUNT_ERROR_STATUS> {
  override name = 'AccountError';
  constructor(code: keyof typeof ACCOUNT_ERROR_STATUS, message: string, field?: string) {
    super(code, ACCOUNT_ERROR_STATUS[code], message, { field });
  }
}

interface AccountRow {
  id: string;
  username: string;
  passwordHash: string | null;
  isDemo: boolean;
  totpSecretEnc: string | null;
  totpLastStep: number | null;
}

async function findUser(db: Db, id: string) {
  const user = await db.user.findUnique({ where: { id } });
  if (!user) throw new AccountError('not-found', 'No user with that id.');
  return user;
}

/** Only accounts that sign in with a password have a Keywatch-managed second factor. */
export function assertLocalAccount(user: { passwordHash: string | null; isDemo: boolean }): void {
  if (user.isDemo) throw new AccountError('not-allowed', 'The demo account cannot be changed.');
  if (!user.passwordHash) throw new AccountError('not-allowed', 'This account signs in through single sign-on; its second factor is managed there.');
}

export interface SecondFactorStatus {
  enabled: boolean;
  enabledAt: string | null;
  pending: boolean;
  recoveryCodesLeft: number;
}

export async function secondFactorStatus(db: Db, userId: string): Promise<SecondFactorStatus> {
  const user = await findUser(db, userId);
  const left = await db.recoveryCode.count({ where: { userId, usedAt: null } });
  return { enabled: user.totpSecretEnc !== null, enabledAt: user.totpEnabledAt?.toISOString() ?? null, pending: user.totpPendingEnc !== null, recoveryCodesLeft: left };
}

/** Step 1: a new secret, kept pending until a code from the authenticator confirms it. */
export async function startTotpEnrolment(db: Db, box: SecretBox, userId: string): Promise<{ secret: string; uri: string }> {
  const user = await findUser(db, userId);
  assertLocalAccount(user);
  if (user.totpSecretEnc) throw new AccountError('conflict', 'An authenticator is already set up; remove it first to set up another.');
  const secret = generateTotpSecret();
  await db.user.update({ where: { id: userId }, data: { totpPendingEnc: box.seal(secret, TOTP_PENDING, userBinding(user)) } });
  return { secret, uri: otpauthUri(secret, user.username) };
}

async function replaceRecoveryCodes(db: Db, userId: string): Promise<string[]> {
  const codes = generateRecoveryCodes();
  await db.recoveryCode.deleteMany({ where: { userId } });
  await db.recoveryCode.createMany({ data: codes.map((code) => ({ userId, codeHash: sha256Hex(`${userId}:${normalizeRecoveryCode(code)}`) })) });
  return codes;
}

/** Step 2: the first code proves the app has the secret; the answer holds the recovery codes, once. */
export async function confirmTotpEnrolment(db: Db, box: SecretBox, userId: string, code: string): Promise<{ recoveryCodes: string[] }> {
  const user = await findUser(db, userId);
  assertLocalAccount(user);
  if (!user.totpPendingEnc) throw new AccountError('invalid', 'Start setting up the authenticator first.', 'code');
  const secret = box.open(user.totpPendingEnc, TOTP_PENDING, userBinding(user));
  const step = verifyTotp(secret, code, null);
  if (step === undefined) throw new AccountError('invalid', 'That code does not match; check the time on your phone and enter the current code.', 'code');
  await db.user.update({
    where: { id: userId },
    data: { totpSecretEnc: box.seal(secret, TOTP_SECRET, userBinding(user)), totpPendingEnc: null, totpEnabledAt: new Date(), totpLastStep: step },
  });
  return { recoveryCodes: await replaceRecoveryCodes(db, userId) };
}

export async function regenerateRecoveryCodes(db: Db, userId: string): Promise<{ recoveryCodes: string[] }> {
  const user = await findUser(db, userId);
  assertLocalAccount(user);
  if (!user.totpSecretEnc) throw new AccountError('invalid', 'Set up an authenticator first.');
  return { recoveryCodes: await replaceRecoveryCodes(db, userId) };
}

/** Removes the authenticator and recovery codes (self-service, or an admin's reset for a lost phone). */
export async function removeSecondFactor(db: Db, userId: string): Promise<{ username: string; wasEnabled: boolean }> {
  const user = await findUser(db, userId);
  await db.user.update({ where: { id: userId }, data: { totpSecretEnc: null, totpPendingEnc: null, totpEnabledAt: null, totpLastStep: null } });
  await db.recoveryCode.deleteMany({ where: { userId } });
  return { username: user.username, wasEnabled: user.totpSecretEnc !== null };
}

/**
 * Checks a second-factor code for a user with TOTP: a current authenticator code (each step
 * once: the update only succeeds if no later step was used, so two concurrent requests cannot
 * both use one code) or an unused recovery code (spent by this call).
 */
export async function checkSecondFactor(db: Db, box: SecretBox, user: AccountRow, code: string): Promise<'totp' | 'recovery-code' | undefined> {
  if (!user.totpSecretEnc) return undefined;
  const secret = box.open(user.totpSecretEnc, TOTP_SECRET, userBinding(user));
  const step = verifyTotp(secret, code, user.totpLastStep);
  if (step !== undefined) {
    const claimed = await db.user.updateMany({ where: { id: user.id, OR: [{ totpLastStep: null }, { totpLastStep: { lt: step } }] }, data: { totpLastStep: step } });
    return claimed.count === 1 ? 'totp' : undefined;
  }
  const normalized = normalizeRecoveryCode(code);
  if (!/^[a-z2-7]{12}$/.test(normalized)) return undefined;
  const spent = await db.recoveryCode.updateMany({ where: { userId: user.id, codeHash: sha256Hex(`${user.id}:${normalized}`), usedAt: null }, data: { usedAt: new Date() } });
  return spent.count === 1 ? 'recovery-code' : undefined;
}
