import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import {
  DEFAULT_CONFIG_TEXT,
  defaultConfig,
  loadConfig,
  parseConfigText,
  readConfigFile,
} from '../../../src/config/config.js';
import { FormatError, Hbs2Error } from '../../../src/errors.js';

let dir: string;
const FILE = '/etc/hbs2/toolkit.yaml';
const parse = (text: string) => parseConfigText(text, FILE, { home: '/home/u' });

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('parseConfigText', () => {
  it('the commented default parses to the defaults', () => {
    const r = parse(DEFAULT_CONFIG_TEXT);
    expect(r.config).toEqual(defaultConfig());
    expect(r.lines.store).toBeUndefined();
    expect(r.lines.keyrings).toBeGreaterThan(1);
    expect(DEFAULT_CONFIG_TEXT.split('\n')[r.lines.keyrings! - 1]).toBe('keyrings: []');
  });

  it('empty and comment-only files are the defaults', () => {
    expect(parse('').config).toEqual(defaultConfig());
    expect(parse('# nothing\n').config).toEqual(defaultConfig());
  });

  it('reads every key, resolving ~ and relative paths against the config directory', () => {
    const r = parse(
      'store: ~/blocks\nkeyrings:\n  - keys/*.key\n  - /abs/x.key\n  - ~/k\nprogress: never\n',
    );
    expect(r.config).toEqual({
      store: '/home/u/blocks',
      keyrings: ['/etc/hbs2/keys/*.key', '/abs/x.key', '/home/u/k'],
      progress: 'never',
    });
    expect(r.lines).toEqual({ store: 1, keyrings: 2, progress: 6 });
  });

  it('empty values keep the defaults', () => {
    expect(parse('store:\nkeyrings:\nprogress:\n').config).toEqual(defaultConfig());
  });

  const cases: Array<[string, RegExp]> = [
    ['store: x\nkeyring: [a]\n', /^\/etc\/hbs2\/toolkit\.yaml:2: unknown key 'keyring'$/],
    ['store: 12\n', /:1: 'store' must be a path/],
    ['store: [a]\n', /:1: 'store' must be a path/],
    ['\n\nkeyrings: a.key\n', /:3: 'keyrings' must be a list/],
    ['keyrings:\n  - a\n  - 3\n', /:3: 'keyrings' entries must be paths/],
    ['progress: always\n', /:1: 'progress' must be one of auto, never/],
    ['progress: false\n', /:1: 'progress' must be one of/],
    ['- a\n- b\n', /:1: the config must be a mapping/],
    ['store: a\nstore: b\n', /:2: invalid YAML: map keys must be unique/],
    ['store: [a\n', /toolkit\.yaml:\d+: invalid YAML/],
    ['? [a]\n: 1\n', /:1: config keys must be plain names/],
  ];
  it.each(cases)('%j is a FormatError %s', (text, re) => {
    let err: unknown;
    try {
      parse(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FormatError);
    expect((err as Error).message).toMatch(re);
  });

  it('property: any text gives a config or an Hbs2Error', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        try {
          parse(text);
        } catch (e) {
          expect(e).toBeInstanceOf(Hbs2Error);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('loadConfig / readConfigFile', () => {
  it('a missing file gives the defaults', async () => {
    const f = path.join(dir, 'none.yaml');
    expect(await loadConfig(f)).toEqual(defaultConfig());
    expect((await readConfigFile(f)).exists).toBe(false);
  });

  it('reads a file; relative paths are relative to its directory', async () => {
    const f = path.join(dir, 'toolkit.yaml');
    fs.writeFileSync(f, 'store: data\nkeyrings: [k.key]\n');
    const r = await readConfigFile(f);
    expect(r.exists).toBe(true);
    expect(r.config).toEqual({
      store: path.join(dir, 'data'),
      keyrings: [path.join(dir, 'k.key')],
      progress: 'auto',
    });
  });

  it('a bad file is a FormatError naming the file and line', async () => {
    const f = path.join(dir, 'bad.yaml');
    fs.writeFileSync(f, 'progress: auto\ncolour: red\n');
    await expect(loadConfig(f)).rejects.toThrow(`${f}:2: unknown key 'colour'`);
  });
});
