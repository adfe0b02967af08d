import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyAcb } from '../../../src/acb/model.js';
import { initRepo } from '../../../src/git/admin.js';
import { generateGroupKey } from '../../../src/groupkey/generate.js';
import { generateKeyring } from '../../../src/keyring/keyring.js';
import { signingKeyPair } from '../../../src/keyring/ops.js';
import { openStore } from '../../../src/store/open.js';
import { parsePushLine, runRemoteHelper, unquote } from '../../../src/git/remote-helper.js';
import { parseGitUrl, parseRepoKey } from '../../../src/git/url.js';
import { FormatError, IntegrityError, UsageError } from '../../../src/errors.js';

describe('git remote helper parsing', () => {
  it('unquotes git’s C-style quoting, octal bytes as UTF-8', () => {
    expect(unquote('refs/heads/main:abc')).toBe('refs/heads/main:abc');
    expect(unquote('"refs/heads/\\303\\274-x:abc"')).toBe('refs/heads/ü-x:abc');
    expect(unquote('"a\\"b\\\\c\\td"')).toBe('a"b\\c\td');
  });

  it('parses push refspecs: force, delete, the last colon', () => {
    expect(parsePushLine('refs/heads/a:refs/heads/b', false)).toEqual({
      src: 'refs/heads/a',
      dst: 'refs/heads/b',
      force: false,
    });
    expect(parsePushLine('+HEAD:refs/heads/x', false)).toMatchObject({ src: 'HEAD', force: true });
    expect(parsePushLine(':refs/heads/gone', true)).toEqual({
      src: null,
      dst: 'refs/heads/gone',
      force: true,
    });
    expect(() => parsePushLine('no-colon', false)).toThrow(UsageError);
  });

  it('parses hbs2tk:// URLs', () => {
    const key = 'CJRwyTf7KSKxmbukp3BoPbKtDfBsYDo2pZBcoKZZuNU7';
    expect(parseGitUrl(`hbs2tk://${key}`)).toHaveLength(32);
    expect(parseGitUrl(`hbs2tk://${key}/`)).toEqual(parseGitUrl(`hbs2tk://${key}`));
    expect(() => parseGitUrl(`hbs2://${key}`)).toThrow(UsageError);
    expect(() => parseGitUrl('hbs2tk://abc')).toThrow(FormatError);
    expect(parseRepoKey(key, 'REPO')).toEqual(parseGitUrl(`hbs2tk://${key}`));
    expect(parseRepoKey(`hbs2tk://${key}`, 'REPO')).toEqual(parseGitUrl(`hbs2tk://${key}`));
    expect(() => parseRepoKey('hbs2://x', 'REPO')).toThrow(FormatError);
  });
});

describe('git remote helper protocol (runRemoteHelper)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-remote-helper-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A store holding a new repository owned by a new keyring; nothing pushed yet. */
  async function newRepo() {
    const owner = generateKeyring(1);
    const stores = await openStore(path.join(dir, 'store'), {
      write: true,
      createFormat: 'simple',
    });
    const acb = { ...emptyAcb(), writers: [{ key: owner.signPublicKey, ranges: [] }] };
    const { groupKey } = generateGroupKey([owner.entries[0]!.publicKey]);
    const repoKey = await initRepo(stores, signingKeyPair(owner), acb, groupKey);
    return { stores, repoKey, keyrings: [{ keyring: owner }] };
  }

  /** Runs the helper on `lines`; returns each answer batch as it was sent. */
  async function converse(
    lines: string[],
    repo: Awaited<ReturnType<typeof newRepo>>,
    stateFile: string | null = null,
  ): Promise<string[][]> {
    const sent: string[][] = [];
    async function* input() {
      yield* lines;
    }
    await runRemoteHelper(input(), async (l) => void sent.push([...l]), {
      ...repo,
      git: { env: {} },
      stateFile,
    });
    return sent;
  }

  it('answers capabilities, options and list of a repository with no push yet', async () => {
    const repo = await newRepo();
    try {
      const sent = await converse(
        [
          'capabilities',
          'option dry-run true',
          'option progress false',
          'option cas "refs/heads/x"',
          'option no-such-option 1',
          'list',
          '',
          'capabilities', // after the blank line: not read
        ],
        repo,
      );
      expect(sent).toEqual([
        ['fetch', 'push', 'option', ''],
        ['ok'],
        ['ok'],
        ['error cas needs <ref>:<expected>'],
        ['unsupported'],
        [''],
      ]);
    } finally {
      await repo.stores.close();
    }
  });

  it('remembers the owner head it saw and refuses a store rolled back below it', async () => {
    const repo = await newRepo();
    const stateFile = path.join(dir, 'git', 'hbs2tk', 'seq');
    try {
      await converse(['list'], repo, stateFile);
      expect(fs.readFileSync(stateFile, 'utf8')).toBe('1\n');
      fs.writeFileSync(stateFile, '7\n');
      await expect(converse(['list'], repo, stateFile)).rejects.toThrow(IntegrityError);
    } finally {
      await repo.stores.close();
    }
  });

  it('refuses a command it does not know (UsageError)', async () => {
    const repo = await newRepo();
    try {
      await expect(converse(['connect git-upload-pack'], repo)).rejects.toThrow(UsageError);
    } finally {
      await repo.stores.close();
    }
  });
});
