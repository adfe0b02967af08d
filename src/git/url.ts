/** The `hbs2tk://KEY` URLs that name repositories (git remotes and `hbs2 git` arguments). */
import { parseBase58Key } from '../acb/key.js';
import { UsageError } from '../errors.js';

/** The URL scheme of this helper (not `hbs2://`: hbs2-git's helper owns that one). */
export const GIT_URL_SCHEME = 'hbs2tk://';

/**
 * The repository key of an `hbs2tk://KEY` URL (trailing slashes allowed).
 * @param url - the URL
 * @returns the 32-byte repository key
 * @throws {@link UsageError} when it is not an `hbs2tk://` URL; {@link FormatError} when
 *   KEY is not a base58 key
 */
export function parseGitUrl(url: string): Uint8Array {
  if (!url.startsWith(GIT_URL_SCHEME))
    throw new UsageError(`not an ${GIT_URL_SCHEME} URL: ${JSON.stringify(url)}`);
  return parseBase58Key(url.slice(GIT_URL_SCHEME.length).replace(/\/+$/, ''), 'repository key');
}

/**
 * A repository key given as `hbs2tk://KEY` or as the bare base58 key.
 * @param text - the URL or key
 * @param what - how a bare key is named in errors
 * @returns the 32-byte repository key
 * @throws {@link FormatError} when the key is not a base58 key
 */
export function parseRepoKey(text: string, what: string): Uint8Array {
  return text.startsWith(GIT_URL_SCHEME) ? parseGitUrl(text) : parseBase58Key(text, what);
}
