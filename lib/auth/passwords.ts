import { availableParallelism } from 'node:os';
import { hash, verify } from '@node-rs/argon2';
import { HttpError } from '../http/errors';

// Algorithm.Argon2id; the package exports it as a const enum, which isolatedModules cannot read.
const ARGON2ID = 2;

// OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): slow for a guesser, fine for a login.
const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export { MIN_PASSWORD_LENGTH } from './password-rules';

/**
 * Bounds argon2 work: anonymous callers (sign-in, setup) can make the server hash, and each
 * hash is 19 MiB and tens of milliseconds of CPU. At most `concurrency` run at once; a few more
 * wait; past that the caller gets a 503 at once instead of piling up memory.
 */
class Argon2Gate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  peak = 0;
  runs = 0;

  constructor(
    readonly concurrency: number,
    readonly maxWaiting: number,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) {
      if (this.waiting.length >= this.maxWaiting) {
        throw new HttpError(503, 'Keywatch is busy checking other passwords; try again in a few seconds.', { headers: { 'retry-after': '5' } });
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.active += 1;
    this.peak = Math.max(this.peak, this.active);
    this.runs += 1;
    try {
      return await work();
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }
}

const gate = new Argon2Gate(Math.max(1, Math.min(4, availableParallelism())), 64);

/** How much argon2 work ran and the most at once (tests, diagnostics). */
export function argon2Stats(): { runs: number; peak: number; concurrency: number; maxWaiting: number } {
  return { runs: gate.runs, peak: gate.peak, concurrency: gate.concurrency, maxWaiting: gate.maxWaiting };
}

export function hashPassword(password: string): Promise<string> {
  return gate.run(() => hash(password, OPTIONS));
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  return gate.run(async () => {
    try {
      return await verify(passwordHash, password);
    } catch {
      return false;
    }
  });
}

// Verifying against this when the user does not exist keeps the answer time the same, so
// timing does not reveal which usernames exist.
let dummyHash: Promise<string> | undefined;
export async function burnPasswordCheck(password: string): Promise<void> {
  dummyHash ??= hashPassword('keywatch-no-such-user-placeholder');
  await verifyPassword(await dummyHash, password);
}
