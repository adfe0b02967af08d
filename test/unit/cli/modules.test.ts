/**
 * The CLI loads only the command modules a command line needs (start-up time). These
 * tests keep the command → module table in step with what the modules register.
 */
import { describe, expect, it } from 'vitest';
import { buildProgram, modulesFor } from '../../../src/cli/main.js';

const ctx = { env: {} };
const ALL = [
  'keyring',
  'config',
  'groupkey',
  'store',
  'cat',
  'hash',
  'deps',
  'del',
  'fsck',
  'metadata',
  'rotate',
  'acb',
  'sigil',
  'lwwref',
  'pin',
  'serve',
  'git',
  'has',
  'completion',
  'store-maintenance',
];

function names(program: Awaited<ReturnType<typeof buildProgram>>): string[] {
  return program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
}

describe('modulesFor', () => {
  it('loads every module for help, `help CMD`, unknown commands and unknown options', () => {
    for (const argv of [[], ['--help'], ['-h'], ['help', 'cat'], ['catt'], ['--bogus', 'cat']])
      expect(modulesFor(argv)).toEqual(ALL);
  });

  it('loads none for --version', () => {
    expect(modulesFor(['--version'])).toEqual([]);
    expect(modulesFor(['-V'])).toEqual([]);
  });

  it('skips the value of --config to find the command', () => {
    expect(modulesFor(['--config', 'cat', 'keyring', 'list'])).toEqual(['keyring']);
    expect(modulesFor(['--config=x.yaml', 'cat', 'H'])).toEqual(['cat']);
  });

  it('needs both groupkey and rotate for `groupkey` (rotate adds update/store)', () => {
    expect(modulesFor(['groupkey', 'update'])).toEqual(['groupkey', 'rotate']);
  });

  it('names, for every command a module registers, that module', async () => {
    for (const mod of ALL) {
      const program = await buildProgram(ctx, [mod]);
      for (const name of names(program)) expect(modulesFor([name]), name).toContain(mod);
    }
  });

  it('gives each command the same subcommands as the full program', async () => {
    const full = await buildProgram(ctx);
    for (const cmd of full.commands) {
      const partial = await buildProgram(ctx, modulesFor([cmd.name()]));
      const same = partial.commands.find((c) => c.name() === cmd.name());
      expect(same, cmd.name()).toBeDefined();
      expect(same!.commands.map((c) => c.name()).sort()).toEqual(
        cmd.commands.map((c) => c.name()).sort(),
      );
    }
  });
});
