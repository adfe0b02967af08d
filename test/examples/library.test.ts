/**
 * The README's Library example (examples/library.mjs) runs as published: through the
 * package's own entry points (`hbs2-toolkit`, `hbs2-toolkit/node`, resolved by name to
 * dist/), encrypt → share → decrypt, and a non-member gets NoMatchingKeyError. Build
 * first: `npx tsc -p tsconfig.build.json`.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const EXAMPLE = path.resolve(__dirname, '../../examples/library.mjs');

describe('examples/library.mjs', () => {
  it('encrypts for Alice and Bob, Bob decrypts, Carol cannot', () => {
    const r = spawnSync(process.execPath, [EXAMPLE], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('stored 28 bytes');
    expect(lines[1]).toMatch(/^root [1-9A-HJ-NP-Za-km-z]{43,44}$/);
    expect(lines.slice(2)).toEqual([
      'Bob reads: "Q3 revenue: 42\\nQ3 costs: 17\\n"',
      'group key lists 2 recipients',
      'Carol: NoMatchingKeyError',
    ]);
  });
});
