import { parseEnv, type KeywatchEnv } from './env';

let cached: KeywatchEnv | undefined;

/** The parsed environment of this process, parsed once; start-up already validated it. */
export function getEnv(): KeywatchEnv {
  cached ??= parseEnv();
  return cached;
}
