/**
 * Group key commands (spec/cli.md "Group keys"): `groupkey-new` (aliases `groupkey new`,
 * `groupkey gen`, `groupkey from-keys`), `groupkey dump`, `groupkey check`,
 * `groupkey merge`.
 */
import type { Command } from 'commander';
import { encodeBase58 } from '../../codec/base58.js';
import { UsageError } from '../../errors.js';
import { readFileChecked } from '../../fsutil.js';
import { writeOutputFile } from '../io/output-file.js';
import {
  formatGroupKeyDump,
  formatGroupKeyFile,
  generateGroupKey,
  mergeGroupKeys,
  MAX_RECIPIENTS_FILE_BYTES,
  openGroupKey,
  parseGroupKeyFile,
  verifyGroupKeyId,
  summarizeGroupKey,
  type GroupKey,
} from '../../groupkey/index.js';
import { printableKeyId } from '../../keyring/ops.js';
import {
  applyRecipientsRule,
  readRecipients,
  type RecipientInput,
  type RecipientsInputRule,
} from '../../ops/recipients.js';
import { STDIN_NAME, collect, readStdin } from '../args.js';
import type { CliContext } from '../context.js';
import { keyringSources } from '../encryption.js';
import { loadKeyringsFromPaths } from '../keyrings.js';
import { info, printJson, printLine, printYaml, warn, writeStdout } from '../output.js';
import { resolveKeyringPaths } from '../settings.js';

/** Largest group key file read (a 16 MiB recipients list makes about 20 MiB of text). */
const MAX_GROUPKEY_FILE_BYTES = 64 * 1024 * 1024;
/** Largest ACB file read for --acb (as `hbs2 acb` reads them). */
const MAX_ACB_FILE_BYTES = 16 * 1024 * 1024;

/** Reads the named inputs (`-` = stdin, at most once) as `{name, data}`. */
async function readInputs(
  names: readonly string[],
  maxBytes: number,
): Promise<Array<{ name: string; data: Uint8Array }>> {
  if (names.filter((n) => n === '-').length > 1)
    throw new UsageError("'-' (stdin) may be given only once");
  const out: Array<{ name: string; data: Uint8Array }> = [];
  for (const name of names) {
    if (name === '-') out.push({ name: STDIN_NAME, data: await readStdin(maxBytes) });
    else out.push({ name, data: await readFileChecked(name, maxBytes) });
  }
  return out;
}

async function readGroupKey(file: string): Promise<GroupKey> {
  const [input] = await readInputs([file], MAX_GROUPKEY_FILE_BYTES);
  return parseGroupKeyFile(input!.data, input!.name);
}

/** Writes a group key file to `-o FILE` (atomically) or stdout. */
async function emitGroupKey(gk: GroupKey, output: string | undefined): Promise<void> {
  const text = formatGroupKeyFile(gk);
  if (output === undefined || output === '-') await writeStdout(text);
  else {
    await writeOutputFile(output, text);
    info(
      `wrote ${output}: ${gk.recipients.length} recipient(s), group key id ${gk.id ? encodeBase58(gk.id) : '(none)'}`,
    );
  }
}

/** The hint when no input held a recipient (groupkey-new names its own --acb option). */
const NO_RECIPIENTS_HINT =
  'give a recipients file (one base58 curve25519 public key per line), a keyring file, a sigil or --acb FILE';

interface NewOptions {
  output?: string;
  acb?: string[];
  /** `-r KEY`: recipients given inline, as `age -r` takes them. */
  recipient?: string[];
  /**
   * hbs2 0.24's `from-keys` (keys separated by any whitespace) or `from-sigils` (every
   * input must be a sigil).
   */
  rule?: RecipientsInputRule;
}

async function groupkeyNew(pubs: string[], opts: NewOptions): Promise<void> {
  const acbs = opts.acb ?? [];
  const inline = (opts.recipient ?? []).map((key, i) => ({ name: `-r argument ${i + 1}`, key }));
  const given = pubs.length + acbs.length + inline.length;
  // Waiting silently for a terminal to type keys into helps nobody: say what is expected.
  if (given === 0 && process.stdin.isTTY)
    throw new UsageError('no recipients given', {
      hint: "pass recipients files, keyring files, sigils, -r KEY or --acb FILE, or pipe public keys into '-'",
    });
  // With --acb or -r alone they are the whole recipient list: stdin is not read.
  const names = given === 0 ? ['-'] : pubs;
  const sources: RecipientInput[] = [...inline];
  for (const read of await readInputs(names, MAX_RECIPIENTS_FILE_BYTES))
    sources.push(opts.rule ? applyRecipientsRule(read, opts.rule) : read);
  for (const file of acbs)
    sources.push({
      name: file,
      data: await readFileChecked(file, MAX_ACB_FILE_BYTES),
      kind: 'acb',
    });
  const read = readRecipients(sources, { noneHint: NO_RECIPIENTS_HINT });
  for (const w of read.warnings) warn(w);
  const { groupKey } = generateGroupKey(read.recipients.map((x) => x.key));
  await emitGroupKey(groupKey, opts.output);
}

const RECIPIENTS_HELP = `
Each PUBS is a recipients file or '-' (stdin, the default without --acb): one base58
curve25519 public key per line; blank lines, '#'/';' comments (also after a key) and
hbs2's 'member "KEY"' lines are accepted. A keyring file contributes all its
encryption public keys. A sigil file (text or raw, as 'hbs2 sigil create' writes)
contributes its encryption key once its signature verifies (a bad one: exit 4).
--acb FILE adds the ACB's readers (repeatable). Duplicates across all sources are
counted once (with a warning).`;

function addNewOptions(c: Command): Command {
  return c
    .argument('[pubs...]', "recipients files, keyring files, sigil files, or '-' for stdin")
    .option('-r, --recipient <key>', 'a base58 public key given inline (repeatable)', collect)
    .option('--acb <file>', 'seal to the readers of this ACB file (repeatable)', collect)
    .option('-o, --output <file>', 'write the group key file here (default: stdout)')
    .addHelpText('after', RECIPIENTS_HELP)
    .action((pubs: string[], opts: NewOptions) => groupkeyNew(pubs, opts));
}

/** hbs2 0.24's `groupkey from-…`: `groupkey new` with one rule for its inputs. */
function addFromCommand(
  gk: Command,
  name: string,
  description: string,
  rule: RecipientsInputRule,
  help: string,
): void {
  addNewOptions(gk.command(name).description(description))
    .hook('preAction', (cmd) => {
      cmd.setOptionValue('rule', rule);
    })
    .addHelpText('after', help);
}

/** Registers `groupkey-new` and the `groupkey` command group. */
export function register(program: Command, ctx: CliContext): void {
  addNewOptions(
    program
      .command('groupkey-new')
      .description('create a group key: a new random secret sealed to every recipient'),
  ).addHelpText(
    'after',
    '\nExample:\n  hbs2 keyring pubs alice.key bob.key > team.txt && hbs2 groupkey-new team.txt -o team.gk\n  hbs2 groupkey-new --acb team.acb carol.sigil -o team.gk',
  );

  const gk = program
    .command('groupkey')
    .description('create, inspect, check and merge hbs2 symmetric group keys')
    .addHelpText(
      'after',
      '\nExample:\n  hbs2 groupkey new team.txt -o team.gk && hbs2 groupkey dump team.gk',
    );

  addNewOptions(
    gk.command('new').alias('gen').description('create a group key (same as groupkey-new)'),
  ).addHelpText(
    'after',
    '\nExample:\n  hbs2 keyring pubs alice.key | hbs2 groupkey new - -o team.gk',
  );

  addFromCommand(
    gk,
    'from-keys',
    "create a group key for whitespace-separated keys (hbs2's from-keys)",
    'whitespace-separated',
    '\nAs hbs2 0.24: the public keys are separated by spaces or newlines (stdin by default).\n' +
      '\nExample:\n  hbs2 keyring pubs alice.key | hbs2 groupkey from-keys -o team.gk',
  );
  addFromCommand(
    gk,
    'from-sigils',
    "create a group key for the encryption keys of sigils (hbs2's from-sigils)",
    'sigils-only',
    '\nEvery input must be a sigil; each signature is checked first (a bad one: exit 4).\n' +
      '\nExample:\n  hbs2 groupkey from-sigils alice.sigil bob.sigil -o team.gk',
  );

  gk.command('dump')
    .description("print a group key's id, scheme, timestamp and members (v1 and v2 files)")
    .argument('[file]', "group key file, or '-' for stdin", '-')
    .option('--json', 'print {"version","id","scheme","timestamp","members"} as JSON')
    .option('--yaml', 'print the same fields as YAML')
    .addHelpText('after', '\nExample:\n  hbs2 groupkey dump team.gk --json')
    .action(async (file: string, opts: { json?: boolean; yaml?: boolean }) => {
      if (opts.json && opts.yaml) throw new UsageError('--json and --yaml are mutually exclusive');
      const key = await readGroupKey(file);
      if (opts.json) await printJson(summarizeGroupKey(key));
      else if (opts.yaml) await printYaml(summarizeGroupKey(key));
      else await printLine(formatGroupKeyDump(key));
    });

  gk.command('check')
    .description('show which keyring entry opens a group key and verify the group key id')
    .argument('<file>', "group key file, or '-' for stdin")
    .option(
      '-k, --keyring <file>',
      'keyring to try (repeatable; default: the config keyrings)',
      collect,
    )
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExits 5 when no entry of the keyrings opens the group key.\n\nExample:\n  hbs2 groupkey check -k alice.key team.gk',
    )
    .action(async (file: string, opts: { keyring?: string[]; json?: boolean }) => {
      const paths = await resolveKeyringPaths(ctx, opts.keyring);
      if (paths.length === 0)
        throw new UsageError('no keyring given', { hint: 'pass one with -k KEYRING' });
      const key = await readGroupKey(file);
      const keyrings = await loadKeyringsFromPaths(paths);
      // A config glob may match nothing: say so rather than "no entry opens it".
      if (keyrings.length === 0)
        throw new UsageError(`no keyring found in ${paths.join(', ')}`, {
          hint: 'pass one with -k KEYRING',
        });
      const opened = openGroupKey(key, keyrings);
      const result = {
        publicKey: encodeBase58(opened.entry.publicKey),
        keyId: opened.entry.description,
        keyring: opened.keyringPath ?? null,
        groupKeyId: encodeBase58(opened.id),
        idChecked: key.id !== null,
      };
      if (opts.json) return printJson(result);
      await printLine(
        `opened-by:    ${result.publicKey}${result.keyId ? `  ${printableKeyId(result.keyId)}` : ''}`,
      );
      await printLine(`keyring:      ${result.keyring ?? ''}`);
      await printLine(
        `group-key-id: ${result.groupKeyId} (${result.idChecked ? 'matches the secret' : 'not stored in the key: unchecked'})`,
      );
    });

  gk.command('merge')
    .description('union of the recipients of group keys holding the same secret (same id)')
    .argument('<files...>', 'group key files')
    .option('-o, --output <file>', 'write the merged group key file here (default: stdout)')
    .option(
      '-k, --keyring <file>',
      'keyring to check the ids with (repeatable; default: the config keyrings)',
      collect,
    )
    .addHelpText(
      'after',
      '\nKeys with different group key ids hold different secrets and are refused (exit 3).\n' +
        'Ids are only declared: every key a keyring opens has its id checked against its\n' +
        'secret, and a mismatch is refused (exit 4).\n\nExample:\n  hbs2 groupkey merge team-a.gk team-b.gk -o team.gk',
    )
    .action(async (files: string[], opts: { output?: string; keyring?: string[] }) => {
      const keys: GroupKey[] = [];
      for (const f of files) keys.push(await readGroupKey(f));
      const keyrings = await keyringSources(ctx, opts.keyring);
      keys.forEach((k, i) => verifyGroupKeyId(k, keyrings, files[i]!));
      await emitGroupKey(mergeGroupKeys(keys, files), opts.output);
    });
}
