/**
 * The group key of `store -g`: hbs2 0.24's form (`-g FILE -P PUBKEY -k KEYRING`) and
 * 0.25's (`-g GKHASH`, a group key already in the store), opened with a member's keyring.
 */
import { promises as fs } from 'node:fs';
import { NoMatchingKeyError, UsageError } from '../errors.js';
import { keyringsWithEntry, type GroupKey, type KeyringSource } from '../groupkey/index.js';
import { parseKeyArgument } from '../keyring/ops.js';
import { loadStoredGroupKey } from '../rotate/secrets.js';
import { parseHash, type BlockSource } from '../store/index.js';
import { readGroupKeyFile } from '../groupkey/load.js';

/** Whether `arg` names an existing path (a file wins over a hash of the same spelling). */
async function exists(arg: string): Promise<boolean> {
  try {
    await fs.lstat(arg);
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads `-g ARG`: a group key file, or, when no such file exists and ARG is a base58
 * hash, the group key tree of that hash in the store (`hbs2 store -g GKHASH` of 0.25).
 */
export async function readStoreGroupKey(
  store: BlockSource,
  arg: string,
): Promise<{ gk: GroupKey; fromStore: boolean }> {
  if (!(await exists(arg)) && /^[1-9A-HJ-NP-Za-km-z]{32,44}$/.test(arg)) {
    const hash = parseHash(arg, `-g '${arg}'`);
    return { gk: await loadStoredGroupKey(store, hash), fromStore: true };
  }
  return { gk: await readGroupKeyFile(arg), fromStore: false };
}

/**
 * The keyrings `store -g` may open the group key with: those given, or with `publicKey`
 * (hbs2's `-P`) only the entry with that public key, as hbs2 does. Encrypting needs a
 * member's keyring: hbs2's format encrypts the tree with the group secret, which only a
 * member can unseal.
 */
export function keyringsForStore(
  groupKeyArg: string,
  keyrings: readonly KeyringSource[],
  publicKey: string | undefined,
): readonly KeyringSource[] {
  let sources = keyrings;
  if (publicKey !== undefined) {
    sources = keyringsWithEntry(keyrings, parseKeyArgument(publicKey, '-P/--public-key'));
    if (keyrings.length > 0 && sources.length === 0)
      throw new NoMatchingKeyError(
        `secret key not found: no keyring given holds ${publicKey}`,
        [],
        {
          hint: '-P names the encryption public key of your own keyring entry (see `hbs2 keyring list`)',
        },
      );
  }
  if (sources.length === 0)
    throw new UsageError(
      `encrypting to ${groupKeyArg} needs the keyring of one of its members: hbs2's format ` +
        'encrypts with the group secret, which only a member can unseal',
      {
        hint: `give -k YOUR.key (a member of ${groupKeyArg}), or list it under keyrings: in the config`,
      },
    );
  return sources;
}
