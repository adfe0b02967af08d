/**
 * Opening the stores of git repositories for the remote helper and `hbs2 git`, and
 * choosing the signing key, in one place.
 */
import { isWriterAuthorised, type Acb } from '../acb/model.js';
import type { KeyPair } from '../crypto/index.js';
import { NoMatchingKeyError } from '../errors.js';
import type { KeyringSource } from '../groupkey/open.js';
import { openStore, type Hbs2Store } from '../store/open.js';
import { encodeBase58 } from '../codec/base58.js';

/**
 * The store at `location` (any layout `openStore` knows), opened for writing when the
 * command pushes or changes the repository. The caller closes it.
 */
export function openGitStores(location: string, write: boolean): Promise<Hbs2Store> {
  return openStore(location, { write });
}

/** The signing key pair of a keyring. */
export function signerOf(k: KeyringSource): KeyPair {
  return { publicKey: k.keyring.signPublicKey, secretKey: k.keyring.signSecretKey };
}

/**
 * The signing key to push with: the first keyring whose key is a writer of `acb` at
 * `now`, else the first keyring (the push then says it may not write).
 */
export function chooseSigner(keyrings: readonly KeyringSource[], acb: Acb, now: number): KeyPair {
  const first = keyrings[0];
  if (!first)
    throw new NoMatchingKeyError('no keyring was given to sign the push', [], {
      hint: 'set git config remote.<name>.hbs2-keyring, or list keyrings under `keyrings:` in the config',
    });
  const writer = keyrings.find((k) => isWriterAuthorised(acb, k.keyring.signPublicKey, now));
  return signerOf(writer ?? first);
}

/** The owner's key pair among `keyrings`: the one whose signing key is `repoKey`. */
export function ownerSigner(keyrings: readonly KeyringSource[], repoKey: Uint8Array): KeyPair {
  const owner = keyrings.find(
    (k) => encodeBase58(k.keyring.signPublicKey) === encodeBase58(repoKey),
  );
  if (!owner)
    throw new NoMatchingKeyError(
      `none of the given keyrings holds the owner key ${encodeBase58(repoKey)}`,
      keyrings.map((k) => encodeBase58(k.keyring.signPublicKey)),
      { hint: "give the owner's keyring with -k" },
    );
  return signerOf(owner);
}
