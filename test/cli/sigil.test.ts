import { beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeBase58 } from '../../src/codec/base58.js';
import {
  formatKeyringFile,
  generateEntry,
  generateKeyring,
  type Keyring,
} from '../../src/keyring/keyring.js';
import { runCli, useTempDir, type CliRun, expectOneError } from '../helpers/cli.js';

const dir = useTempDir();

/** Runs the built CLI in the test's temp dir with its own store and config home. */
const hbs2 = (args: string[], input = ''): CliRun => runCli(dir(), args, { input });

const file = (name: string) => path.join(dir(), name);

/** One clean error line, exit `code`, nothing on stdout. */
const expectCleanError = (r: CliRun, code: number): void =>
  expectOneError(r, code, { emptyStdout: true });

let keyring: Keyring;

beforeAll(() => {
  keyring = generateKeyring(2);
  fs.writeFileSync(file('me.key'), formatKeyringFile(keyring), { mode: 0o600 });
});

describe('hbs2 sigil', () => {
  it('create then check round-trips, in hbs2 layout and JSON', () => {
    const enc = encodeBase58(keyring.entries[1]!.publicKey);
    const c = hbs2([
      'sigil',
      'create',
      '-k',
      'me.key',
      '-m',
      'alice laptop',
      enc,
      '-o',
      'me.sigil',
    ]);
    expect(c.status).toBe(0);
    const text = fs.readFileSync(file('me.sigil'), 'utf8');
    expect(text.startsWith('# sigil file. public data\n')).toBe(true);
    expect(text).not.toContain('private');

    const r = hbs2(['sigil', 'check', 'me.sigil']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      `(sigil\n  (sign-pubkey "${encodeBase58(keyring.signPublicKey)}")\n` +
        `  (encrypt-pubkey "${enc}")\n  (info "alice laptop"))\n`,
    );
    const j = hbs2(['sigil', 'check', 'me.sigil', '--json']);
    expect(JSON.parse(j.stdout)).toEqual({
      signKey: encodeBase58(keyring.signPublicKey),
      encryptionKey: enc,
      info: 'alice laptop',
      ext: null,
    });
    // stdin, and create to stdout
    const out = hbs2(['sigil', 'create', '-k', 'me.key', enc]);
    expect(out.status).toBe(0);
    expect(hbs2(['sigil', 'check'], out.stdout).status).toBe(0);
  });

  it('without info or ext the closing paren follows the encrypt-pubkey line', () => {
    const enc = encodeBase58(keyring.entries[0]!.publicKey);
    const out = hbs2(['sigil', 'create', '-k', 'me.key', enc]);
    const r = hbs2(['sigil', 'check', '-'], out.stdout);
    expect(r.stdout).toBe(
      `(sigil\n  (sign-pubkey "${encodeBase58(keyring.signPublicKey)}")\n  (encrypt-pubkey "${enc}"))\n`,
    );
  });

  it('changing one character of the sigil file fails with exit 3 or 4', () => {
    const enc = encodeBase58(keyring.entries[0]!.publicKey);
    const text = hbs2(['sigil', 'create', '-k', 'me.key', enc]).stdout;
    const lines = text.split('\n');
    // One change in the signed payload area (line 2), one in the signature (last line).
    for (const li of [2, lines.length - 2]) {
      const line = lines[li]!;
      const changed = [...lines];
      changed[li] = (line[0] === 'z' ? 'y' : 'z') + line.slice(1);
      fs.writeFileSync(file('tampered.sigil'), changed.join('\n'));
      const r = hbs2(['sigil', 'check', 'tampered.sigil']);
      expect([3, 4]).toContain(r.status);
      expectCleanError(r, r.status!);
    }
  });

  it('an encryption key not in the keyring exits 6 and writes nothing', () => {
    const stranger = encodeBase58(generateEntry(null).publicKey);
    const r = hbs2(['sigil', 'create', '-k', 'me.key', stranger, '-o', 'nope.sigil']);
    expectCleanError(r, 6);
    expect(fs.existsSync(file('nope.sigil'))).toBe(false);
  });

  it('bad arguments and inputs fail cleanly', () => {
    expectCleanError(hbs2(['sigil', 'create', '-k', 'me.key', 'not-a-key']), 3);
    expectCleanError(hbs2(['sigil', 'check', 'missing.sigil']), 6);
    fs.writeFileSync(file('garbage.sigil'), '# sigil file. public data\nabc\n');
    expectCleanError(hbs2(['sigil', 'check', 'garbage.sigil']), 3);
  });

  it('every sigil command has help with an example', () => {
    for (const c of ['create', 'check']) {
      const r = hbs2(['sigil', c, '--help']);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/Example:\n {2}hbs2 sigil /);
    }
  });
});
