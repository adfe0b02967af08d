import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/errors.js';
import { reportError } from '../../src/cli/errors.js';
import { runCli, useTempDir, type CliRun } from '../helpers/cli.js';

const dir = useTempDir();

/**
 * Runs the built CLI in the test's temp dir with its own store and config home, and without
 * HBS2_DEBUG unless `extraEnv` sets it (the "no stack" case must not depend on the shell).
 */
const hbs2 = (args: string[], extraEnv: Record<string, string> = {}): CliRun =>
  runCli(dir(), args, { env: { HBS2_DEBUG: undefined, ...extraEnv } });

describe('error reporting', () => {
  it('prints a stack only with HBS2_DEBUG=1', () => {
    const plain = hbs2(['keyring', 'list', 'Missing.key']);
    expect(plain.stderr).not.toMatch(/^\s+at /m);
    const debug = hbs2(['keyring', 'list', 'Missing.key'], { HBS2_DEBUG: '1' });
    expect(debug.status).toBe(6);
    const lines = debug.stderr.split('\n');
    expect(lines[0]).toBe('hbs2: error: Missing.key: no such file or directory');
    expect(debug.stderr).toMatch(/^\s+at /m);
  });

  it('lowercases only a leading capitalised plain word', () => {
    const line = (msg: string): string => reportError(new FormatError(msg), false).lines[0]!;
    expect(line('Bad signature')).toBe('hbs2: error: bad signature');
    expect(line('Invalid')).toBe('hbs2: error: invalid');
    expect(line('Missing.key: no such file')).toBe('hbs2: error: Missing.key: no such file');
    expect(line('HBS2_CRYPTO must be js')).toBe('hbs2: error: HBS2_CRYPTO must be js');
    expect(line('CBOR: bad head')).toBe('hbs2: error: CBOR: bad head');
    expect(line('already lower')).toBe('hbs2: error: already lower');
    expect(reportError(new FormatError('x'), false).exitCode).toBe(3);
  });
});
