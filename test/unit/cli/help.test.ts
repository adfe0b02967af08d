import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { buildProgram, commanderErrorLines } from '../../../src/cli/main.js';

/** Every command below `c`, with its full name. */
function allCommands(c: Command, prefix: string[] = []): Array<[string, Command]> {
  return c.commands.flatMap((s) => {
    const name = [...prefix, s.name()];
    return [[name.join(' '), s] as [string, Command], ...allCommands(s, name)];
  });
}

describe('help', () => {
  it('every command and command group has --help with an example', async () => {
    const program = await buildProgram({ env: {} });
    const commands = allCommands(program);
    expect(commands.length).toBeGreaterThan(40);
    const without = commands.filter(([, c]) => {
      let text = '';
      c.configureOutput({ writeOut: (x) => (text += x), writeErr: (x) => (text += x) });
      c.outputHelp();
      return !/Example:\n {2}hbs2 /.test(text);
    });
    expect(without.map(([name]) => name)).toEqual([]);
  });

  it("turns commander's extra lines into hbs2: hint: lines", () => {
    expect(commanderErrorLines("error: unknown command 'stor'\n(Did you mean store?)\n")).toBe(
      "hbs2: error: unknown command 'stor'\nhbs2: hint: did you mean store?\n",
    );
    expect(commanderErrorLines("error: missing required argument 'hash'\n")).toBe(
      "hbs2: error: missing required argument 'hash'\n",
    );
  });
});
