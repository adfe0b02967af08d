/**
 * The S3 connection of an `s3://` store: the usual AWS environment variables first, then
 * the config's `s3` mapping. Only the CLI reads the environment; the library takes the
 * result.
 */
import { UsageError } from '../errors.js';
import type { S3Connection } from '../store/s3/open.js';
import { isS3Location } from '../store/s3/layout.js';
import type { CliContext } from './context.js';
import { cliConfig } from './settings.js';

/** The connection settings for `location` when it is an `s3://` URL, else undefined. */
export async function s3ConnectionFor(
  ctx: CliContext,
  location: string,
): Promise<S3Connection | undefined> {
  if (!isS3Location(location)) return undefined;
  const env = ctx.env;
  const cfg = (await cliConfig(ctx)).s3 ?? {};
  // Credentials come as a pair from one place, never a key id from one and a secret
  // from the other.
  const fromEnv = env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY;
  const accessKeyId = fromEnv ? env.AWS_ACCESS_KEY_ID : cfg.accessKeyId;
  const secretAccessKey = fromEnv ? env.AWS_SECRET_ACCESS_KEY : cfg.secretAccessKey;
  if (!accessKeyId || !secretAccessKey)
    throw new UsageError(`no S3 credentials for ${location}`, {
      hint: "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the config's s3 access-key-id and secret-access-key",
    });
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || cfg.endpoint;
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/i.test(endpoint))
    throw new UsageError(`S3 endpoint '${endpoint}' is not an http(s) URL`);
  return {
    endpoint,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || cfg.region,
    pathStyle: cfg.pathStyle,
    credentials: {
      accessKeyId,
      secretAccessKey,
      sessionToken: fromEnv ? env.AWS_SESSION_TOKEN || undefined : undefined,
    },
  };
}
