import { describe, expect, it } from 'vitest';
import { parseGitUrl, parsePushLine, unquote } from '../../../src/cli/git-remote.js';
import { FormatError, UsageError } from '../../../src/errors.js';

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
  });
});
