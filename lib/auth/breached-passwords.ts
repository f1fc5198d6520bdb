import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The bundled list of breached passwords (breached-passwords.txt beside this file; its header says
 * where it comes from). Compared lower-cased, so "Password1234" is refused with "password1234".
 * No network: the list ships with Keywatch.
 */
const FILE = 'breached-passwords.txt';

let list: Set<string> | undefined;

function locate(): string {
  // The web server runs bundled code from the repo root (npm start), the CLIs and tests from source.
  const candidates = [path.join(process.cwd(), 'lib/auth', FILE), path.join(import.meta.dirname ?? '', FILE)];
  const found = candidates.find((file) => existsSync(file));
  if (!found) throw new Error(`The breached-password list ${FILE} is missing (looked in ${candidates.join(', ')}); reinstall Keywatch.`);
  return found;
}

function load(): Set<string> {
  list ??= new Set(
    readFileSync(locate(), 'utf8')
      .split('\n')
      .filter((line) => line.length > 0 && !line.startsWith('#')),
  );
  return list;
}

export function isBreachedPassword(password: string): boolean {
  return load().has(password.toLowerCase());
}

export function breachedPasswordCount(): number {
  return load().size;
}

export const BREACHED_MESSAGE = 'is in a list of passwords leaked in breaches; choose another';
