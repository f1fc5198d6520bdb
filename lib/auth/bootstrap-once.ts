import type { PrismaClient } from '../db/client';
import { reasonOf } from '../logging/logger';
import { webLogger } from '../logging/web-logger';
import { getSecretBox } from '../secrets/keyring';
import { bootstrapAuth } from './bootstrap';

// The web server runs bootstrap lazily on its first API request too, so an install works even
// when the start sequence did not call bootstrapAuth (it is idempotent).
const state = globalThis as unknown as { keywatchAuthBootstrap?: Promise<void> };

export function ensureAuthBootstrapped(prisma: PrismaClient): Promise<void> {
  state.keywatchAuthBootstrap ??= bootstrapAuth(prisma, process.env, { secrets: getSecretBox() })
    .then(() => undefined)
    .catch((error: unknown) => {
      state.keywatchAuthBootstrap = undefined;
      webLogger().error({ reason: reasonOf(error) }, 'sign-in bootstrap failed');
    });
  return state.keywatchAuthBootstrap;
}

/** Tests that drive bootstrap themselves turn the lazy run off. */
export function skipLazyBootstrapForTests(): void {
  state.keywatchAuthBootstrap = Promise.resolve();
}
