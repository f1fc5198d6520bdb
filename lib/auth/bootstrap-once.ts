import type { PrismaClient } from '../db/client';
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
      console.error(`Sign-in bootstrap failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  return state.keywatchAuthBootstrap;
}

/** Tests that drive bootstrap themselves turn the lazy run off. */
export function skipLazyBootstrapForTests(): void {
  state.keywatchAuthBootstrap = Promise.resolve();
}
