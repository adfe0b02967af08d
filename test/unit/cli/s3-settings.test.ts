/** The S3 connection: the config's s3 mapping, AWS_* variables first, pairs of credentials. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { s3ConnectionFor } from '../../../src/cli/s3.js';
import { parseConfigText } from '../../../src/config/config.js';
import { FormatError, UsageError } from '../../../src/errors.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-s3cfg-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const CONFIG = `store: s3://team/hbs2
s3:
  endpoint: https://s3.example.net
  region: eu-1
  path-style: false
  access-key-id: CFGKEY
  secret-access-key: cfg-secret
`;

function ctxWith(env: Record<string, string>, config = CONFIG) {
  const file = path.join(tmp, `c${Math.random()}.yaml`);
  fs.writeFileSync(file, config);
  return { env, configPath: file };
}

describe('config s3 mapping', () => {
  it('parses every key, keeps an s3:// store as a URL', () => {
    const { config } = parseConfigText(CONFIG, '/etc/x.yaml');
    expect(config.store).toBe('s3://team/hbs2');
    expect(config.s3).toEqual({
      endpoint: 'https://s3.example.net',
      region: 'eu-1',
      pathStyle: false,
      accessKeyId: 'CFGKEY',
      secretAccessKey: 'cfg-secret',
    });
  });

  it('refuses unknown keys and wrong types, naming the line', () => {
    expect(() => parseConfigText('s3:\n  secret: x\n', '/c.yaml')).toThrow(
      /\/c\.yaml:2: 's3\.secret': unknown key/,
    );
    expect(() => parseConfigText('s3:\n  path-style: yes-please\n', '/c.yaml')).toThrow(
      FormatError,
    );
    expect(() => parseConfigText('s3: https://x\n', '/c.yaml')).toThrow(/must be a mapping/);
  });
});

describe('s3ConnectionFor', () => {
  it('is undefined for a directory', async () => {
    expect(await s3ConnectionFor(ctxWith({}), '/srv/store')).toBeUndefined();
  });

  it('takes the config when the environment says nothing', async () => {
    expect(await s3ConnectionFor(ctxWith({}), 's3://team/hbs2')).toEqual({
      endpoint: 'https://s3.example.net',
      region: 'eu-1',
      pathStyle: false,
      credentials: {
        accessKeyId: 'CFGKEY',
        secretAccessKey: 'cfg-secret',
        sessionToken: undefined,
      },
    });
  });

  it('prefers AWS_* variables, and takes credentials as a pair', async () => {
    const env = {
      AWS_ENDPOINT_URL: 'http://generic:1',
      AWS_ENDPOINT_URL_S3: 'http://s3-only:2',
      AWS_REGION: 'r-env',
      AWS_ACCESS_KEY_ID: 'ENVKEY',
      AWS_SECRET_ACCESS_KEY: 'env-secret',
      AWS_SESSION_TOKEN: 'tok',
    };
    expect(await s3ConnectionFor(ctxWith(env), 's3://team/hbs2')).toMatchObject({
      endpoint: 'http://s3-only:2',
      region: 'r-env',
      credentials: { accessKeyId: 'ENVKEY', secretAccessKey: 'env-secret', sessionToken: 'tok' },
    });
    // A key id without its secret in the environment: both come from the config.
    const half = await s3ConnectionFor(ctxWith({ AWS_ACCESS_KEY_ID: 'ENVKEY' }), 's3://team/x');
    expect(half?.credentials).toEqual({
      accessKeyId: 'CFGKEY',
      secretAccessKey: 'cfg-secret',
      sessionToken: undefined,
    });
  });

  it('no credentials anywhere, or a bad endpoint: usage errors', async () => {
    await expect(s3ConnectionFor(ctxWith({}, ''), 's3://team/x')).rejects.toThrow(UsageError);
    await expect(
      s3ConnectionFor(ctxWith({ AWS_ENDPOINT_URL: 'ftp://x' }), 's3://team/x'),
    ).rejects.toThrow(/not an http\(s\) URL/);
  });
});
