/**
 * Typed errors of the toolkit. The library throws these; only `cli/` maps them to
 * exit codes and to `hbs2: error: …` lines. Messages never contain secret material.
 */

/** Base class: every error the library raises on purpose is an `Hbs2Error`. */
export class Hbs2Error extends Error {
  /** Exit code the CLI uses for this family of errors (see spec/cli.md). */
  readonly exitCode: number = 1;
  /** Optional second line shown as `hbs2: hint: …`. */
  hint?: string;
  constructor(message: string, options?: { hint?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    if (options?.hint) this.hint = options.hint;
  }
}

/** Bad flags or arguments (exit 2). */
export class UsageError extends Hbs2Error {
  override readonly exitCode = 2;
}

/** Unparseable input: bad base58, bad CBOR, wrong lengths, bad text file (exit 3). */
export class FormatError extends Hbs2Error {
  override readonly exitCode = 3;
}

/** Hash mismatch, MAC failure, bad signature, corrupt block (exit 4). */
export class IntegrityError extends Hbs2Error {
  override readonly exitCode = 4;
}

/**
 * A data block that does not decrypt (its MAC fails) or is not in its place (its method-2
 * nonce is not the one its content and position give). The message says which; readers
 * add the block's index and hash.
 */
export class BlockDecryptionError extends IntegrityError {}

/** The input read by a second pass differs from what the first pass read (exit 4). */
export class InputChangedError extends IntegrityError {}

/** No keyring entry opens a group key (exit 5). `tried` lists the public keys tried. */
export class NoMatchingKeyError extends Hbs2Error {
  override readonly exitCode = 5;
  readonly tried: string[];
  constructor(message: string, tried: string[] = [], options?: { hint?: string }) {
    super(message, options);
    this.tried = tried;
  }
}

/** Missing file, missing block, unknown key id (exit 6). */
export class NotFoundError extends Hbs2Error {
  override readonly exitCode = 6;
}

/**
 * The system refused the I/O: a read-only file system, a full disk or quota, a device
 * error, no permission (exit 7). Not the user's syntax (2) and not a bug (1): the same
 * command works once the disk, mount or permissions are fixed.
 */
export class IoError extends Hbs2Error {
  override readonly exitCode = 7;
}
