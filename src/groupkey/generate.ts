/** Creating new group keys (spec §5.7). */
import { checkRecipientKey, crypto } from '../crypto/index.js';
import { FormatError } from '../errors.js';
import { bytesKey, encodeGroupKey, type GroupKey, type GroupKeyRecipient } from './model.js';
import { encodeSealedSecret, groupKeyId, GROUP_SECRET_LENGTH } from './secret.js';

/** Options for {@link generateGroupKey}. */
export interface GenerateGroupKeyOptions {
  /** Re-use this 32-byte secret (same id as every key holding it); default: random. */
  secret?: Uint8Array;
  /** Unix seconds to record; default: now, rounded to the nearest second as hbs2 does. */
  timestamp?: number | bigint;
}

/** A generated key together with the secret it protects. */
export interface GeneratedGroupKey {
  groupKey: GroupKey;
  secret: Uint8Array;
}

/**
 * A new fancy (v2) group key: the secret sealed to each public key, scheme basic1, its
 * id and a timestamp. Repeated public keys are sealed once, at their first position.
 * Public keys must be 32 bytes and not of small order (FormatError otherwise).
 * @param publicKeys - the recipients' curve25519 public keys
 * @param opts - a secret to reuse, the timestamp
 * @returns the group key and its secret
 * @throws {@link FormatError} for a key that is not 32 bytes or is of small order
 */
export function generateGroupKey(
  publicKeys: readonly Uint8Array[],
  opts: GenerateGroupKeyOptions = {},
): GeneratedGroupKey {
  const c = crypto();
  const secret = opts.secret ? new Uint8Array(opts.secret) : c.randomBytes(GROUP_SECRET_LENGTH);
  if (secret.length !== GROUP_SECRET_LENGTH)
    throw new FormatError(
      `group secret must be ${GROUP_SECRET_LENGTH} bytes, got ${secret.length}`,
    );
  const plaintext = encodeSealedSecret(secret);
  const seen = new Set<string>();
  const recipients: GroupKeyRecipient[] = [];
  publicKeys.forEach((pk, i) => {
    checkRecipientKey(pk, `recipient ${i + 1}`);
    const k = bytesKey(pk);
    if (seen.has(k)) return;
    seen.add(k);
    recipients.push({ publicKey: new Uint8Array(pk), sealed: c.sealedBox(plaintext, pk) });
  });
  const groupKey: GroupKey = {
    version: 2,
    recipients,
    scheme: 'basic1',
    id: groupKeyId(secret, c),
    timestamp: opts.timestamp ?? Math.round(Date.now() / 1000),
  };
  groupKey.cbor = encodeGroupKey(groupKey);
  return { groupKey, secret };
}
