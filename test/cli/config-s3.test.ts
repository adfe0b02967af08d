/** `config show` with S3 settings: sources named, secrets never printed. Build first. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { runCli, useTempDir } from '../helpers/cli.js';

const dir = useTempDir();

it('config show masks the secret access key and session token, text and JSON', () => {
  const cfgDir = path.join(dir(), 'config', 'hbs2');
  fs.mkdirSync(cfgDir, { recursive: true });
  fs.writeFileSync(
    path.join(cfgDir, 'toolkit.yaml'),
    's3:\n  endpoint: https://s3.example.net\n  access-key-id: CFGKEY\n  secret-access-key: cfg-secret-value\n',
  );
  const text = runCli(dir(), ['config', 'show']);
  expect(text.status, text.stderr).toBe(0);
  expect(text.stdout).toContain('access-key-id: CFGKEY');
  expect(text.stdout).toMatch(/secret-access-key: \*+ {2}# config .*toolkit\.yaml:1/);
  expect(text.stdout).not.toContain('cfg-secret-value');

  const env = {
    AWS_ACCESS_KEY_ID: 'ENVKEY',
    AWS_SECRET_ACCESS_KEY: 'env-secret-value',
    AWS_SESSION_TOKEN: 'env-token-value',
  };
  const json = runCli(dir(), ['config', 'show', '--json'], { env });
  expect(json.status, json.stderr).toBe(0);
  const s3 = (JSON.parse(json.stdout) as { s3: Record<string, { value: unknown; origin: string }> })
    .s3;
  expect(s3['access-key-id']).toMatchObject({ value: 'ENVKEY', origin: 'AWS_ACCESS_KEY_ID' });
  expect(s3['secret-access-key']).toMatchObject({ origin: 'AWS_SECRET_ACCESS_KEY' });
  expect(json.stdout).not.toMatch(/env-secret-value|env-token-value|cfg-secret-value/);
});
