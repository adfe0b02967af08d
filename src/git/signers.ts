/**
 * Which keyring signs what in a repository: the owner's key for its record, and for a
 * push the key of a writer the ACB authorises.
 */
import { isWriterAuthorised, type Acb } from '../acb/model.js';
import { encodeBase58 } from '../codec/base58.js';
import type { KeyPair } from '../crypto/index.js';
import { NoMatchingKeyError } from '../errors.js';
import type { KeyringSource } from '../groupkey/open.js';
import { findBySignKey, signingKeyPair } from '../keyring/ops.js';

/**
 * The signing key to push with: the first keyring whose key is a writer of `acb` at
 * `now`, else the first keyring (the push then says it may not write).
 * @param keyrings - the keyrings given, in order
 * @param acb - the repository's ACB
 * @param now - Unix seconds the writer's authority is checked at
 * @returns the signing key pair to push with
 * @throws {@link NoMatchingKeyError} when no keyring is given at all
 */
export function pushSigner(keyrings: readonly KeyringSource[], acb: Acb, now: number): KeyPair {
  const first = keyrings[0];
  if (!first)
    throw new NoMatchingKeyError('no keyring was given to sign the push', [], {
      hint: 'set git config remote.<name>.hbs2-keyring, or list keyrings under `keyrings:` in the config',
    });
  const writer = keyrings.find((k) => isWriterAuthorised(acb, k.keyring.signPublicKey, now));
  return signingKeyPair((writer ?? first).keyring);
}

/**
 * The owner's key pair among `keyrings`: the one whose signing key is `repoKey`.
 * @param keyrings - the keyrings given
 * @param repoKey - the repository key (the owner's signing public key)
 * @returns the owner's signing key pair
 * @throws {@link NoMatchingKeyError} when no keyring holds it (listing the keys tried)
 */
export function ownerSigner(keyrings: readonly KeyringSource[], repoKey: Uint8Array): KeyPair {
  const owner = findBySignKey(keyrings, repoKey);
  if (!owner)
    throw new NoMatchingKeyError(
      `none of the given keyrings holds the owner key ${encodeBase58(repoKey)}`,
      keyrings.map((k) => encodeBase58(k.keyring.signPublicKey)),
      { hint: "give the owner's keyring with -k" },
    );
  return signingKeyPair(owner.keyring);
}
