import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isMainModule, parseCommandLine, UsageError } from './entry-point';

const options = { port: { type: 'string' }, json: { type: 'boolean' } } as const;
const schema = z.object({ port: z.coerce.number().int().min(1).max(65535), json: z.boolean().default(false) });

describe('parseCommandLine', () => {
  it('returns the typed values', () => {
    expect(parseCommandLine(['--port', '5696', '--json'], options, schema)).toEqual({ port: 5696, json: true });
  });

  it.each([
    [['--port', '0'], /^--port: Too small: expected number to be >=1\.$/],
    [['--json'], /^--port: /],
    [['--prot', '1'], /^Unknown option '--prot'\.$/],
    [['--port'], /^Option '--port <value>' argument missing\.$/],
    [['--port', '1', 'extra'], /^Unexpected argument 'extra'\.$/],
  ])('%j is a UsageError naming what is wrong', (argv, message) => {
    const error = (() => {
      try {
        parseCommandLine(argv, options, schema);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
  });

  it('hands positionals to the schema as _ when asked', () => {
    const withCommand = z.object({ _: z.array(z.string()).min(1, 'a command is needed') });
    expect(parseCommandLine(['state'], {}, withCommand, { positionals: true })).toEqual({ _: ['state'] });
    expect(() => parseCommandLine([], {}, withCommand, { positionals: true })).toThrow(/^arguments: a command is needed\.$/);
  });
});

describe('isMainModule', () => {
  it('is false for a module the program imported (this test file is not the program)', () => {
    expect(isMainModule(import.meta.url)).toBe(false);
  });
});
