import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_CONFIG_TEXT } from '../../src/config/config.js';
import { runCli, useTempDir, type CliRun } from '../helpers/cli.js';

const dir = useTempDir();

/** Runs the built CLI with its own config home; `env` adds or removes variables. */
const hbs2 = (args: string[], env: Record<string, string | undefined> = {}): CliRun =>
  runCli(dir(), args, { env });

interface Shown {
  configFile: { path: string; exists: boolean; source: string };
  store: { value: string; source: string; origin: string };
  keyrings: { value: string[]; source: string; origin: string };
  progress: { value: string; source: string; origin: string };
}
const show = (args: string[] = [], env: Record<string, string | undefined> = {}): Shown => {
  const r = hbs2(['config', 'show', '--json', ...args], env);
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as Shown;
};

const cfgFile = (): string => path.join(dir(), 'config', 'hbs2', 'toolkit.yaml');

describe('config show without a config file', () => {
  it('reports defaults and the environment', () => {
    const s = show();
    expect(s.configFile).toEqual({
      path: cfgFile(),
      exists: false,
      source: 'env',
      origin: 'XDG_CONFIG_HOME',
    });
    expect(s.store).toEqual({
      value: path.join(dir(), 'store'),
      source: 'env',
      origin: 'HBS2_STORE',
    });
    expect(s.keyrings).toMatchObject({ value: [], source: 'default' });
    expect(s.progress).toMatchObject({ value: 'auto', source: 'default' });
  });

  it('store falls back to $XDG_DATA_HOME/hbs2; -p wins over everything', () => {
    expect(show([], { HBS2_STORE: undefined }).store).toMatchObject({
      value: path.join(dir(), 'data', 'hbs2'),
      source: 'default',
    });
    expect(show(['-p', '/x/y']).store).toEqual({
      value: '/x/y',
      source: 'flag',
      origin: '--prefix',
    });
    expect(show(['--no-progress']).progress).toMatchObject({ value: 'never', source: 'flag' });
  });
});

describe('config init', () => {
  it('writes the commented default and refuses to overwrite it', () => {
    let r = hbs2(['config', 'init']);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(cfgFile());
    expect(fs.readFileSync(cfgFile(), 'utf8')).toBe(DEFAULT_CONFIG_TEXT);
    fs.appendFileSync(cfgFile(), '# mine\n');
    r = hbs2(['config', 'init']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^hbs2: error: refusing to overwrite existing file/);
    expect(fs.readFileSync(cfgFile(), 'utf8')).toBe(DEFAULT_CONFIG_TEXT + '# mine\n');
    expect(hbs2(['config', 'init', '--force']).status).toBe(0);
    expect(fs.readFileSync(cfgFile(), 'utf8')).toBe(DEFAULT_CONFIG_TEXT);
  });

  it('the default file shows the defaults, sourced from the config', () => {
    const s = show();
    expect(s.configFile.exists).toBe(true);
    expect(s.keyrings).toEqual({ value: [], source: 'config', origin: `${cfgFile()}:13` });
    expect(s.progress).toMatchObject({ value: 'auto', source: 'config' });
  });

  it('--config FILE chooses another file', () => {
    const other = path.join(dir(), 'other.yaml');
    expect(hbs2(['--config', other, 'config', 'init']).status).toBe(0);
    expect(fs.existsSync(other)).toBe(true);
    const s = show([], {});
    expect(s.configFile.path).toBe(cfgFile());
    const r = hbs2(['--config', other, 'config', 'show', '--json']);
    expect(JSON.parse(r.stdout).configFile).toMatchObject({ path: other, source: 'flag' });
  });
});

describe('config values', () => {
  it('store, keyrings and progress from the file, with lines', () => {
    fs.writeFileSync(
      cfgFile(),
      '# my config\nstore: blocks\nkeyrings:\n  - keys/*.key\nprogress: never\n',
    );
    const s = show([], { HBS2_STORE: undefined });
    const base = path.dirname(cfgFile());
    expect(s.store).toEqual({
      value: path.join(base, 'blocks'),
      source: 'config',
      origin: `${cfgFile()}:2`,
    });
    expect(s.keyrings).toEqual({
      value: [path.join(base, 'keys/*.key')],
      source: 'config',
      origin: `${cfgFile()}:3`,
    });
    expect(s.progress).toMatchObject({ value: 'never', source: 'config' });
    const text = hbs2(['config', 'show'], { HBS2_STORE: undefined });
    expect(text.stdout).toContain(`store: ${path.join(base, 'blocks')}  # config ${cfgFile()}:2\n`);
    expect(text.stdout).toContain(
      `keyrings:  # config ${cfgFile()}:3\n  - ${path.join(base, 'keys/*.key')}\n`,
    );
  });

  it('an unknown key is exit 3 naming the key and the line', () => {
    fs.writeFileSync(cfgFile(), 'store: x\n\nkeyring: [a.key]\n');
    const r = hbs2(['config', 'show']);
    expect(r.status).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toBe(`hbs2: error: ${cfgFile()}:3: unknown key 'keyring'`);
    expect(r.stderr).toContain('hbs2: hint: known keys: store, keyrings, progress');
  });

  it('a wrong type is exit 3 naming the key and the line', () => {
    fs.writeFileSync(cfgFile(), 'progress: sometimes\n');
    const r = hbs2(['config', 'show']);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain(`${cfgFile()}:1: 'progress' must be one of auto, never`);
  });

  it('config init and show have examples in --help', () => {
    for (const c of [['config', 'init'], ['config', 'show'], ['config']])
      expect(hbs2([...c, '--help']).stdout).toMatch(/\nExample:\n {2}hbs2 config/);
  });
});
