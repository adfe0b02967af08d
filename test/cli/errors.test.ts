import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FormatError } from '../../src/errors.js';
import { reportError } from '../../src/cli/errors.js';

const BIN = path.resolve(__dirname, '../../bin/hbs2.js');
let dir: string;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI in the test's temp dir with its own store and config home. */
function hbs2(args: string[], extraEnv: Record<string, string> = {}): Run {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HBS2_STORE: path.join(dir, 'store'),
    XDG_CONFIG_HOME: path.join(dir, 'config'),
    ...extraEnv,
  };
  if (!('HBS2_DEBUG' in extraEnv)) delete env.HBS2_DEBUG;
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: dir,
    input: '',
    encoding: 'utf8',
    env,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-'));
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('error reporting', () => {
  it('keeps the case of a message that starts with a file name; exit 6 for a missing file', () => {
    const r = hbs2(['keyring', 'list', 'Missing.key']);
    expect(r.status).toBe(6);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('hbs2: error: Missing.key: no such file or directory\n');
  });

  it('an unknown command is a usage error (exit 2) with one error line', () => {
    const r = hbs2(['frobnicate']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('hbs2: error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('frobnicate');
  });

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
