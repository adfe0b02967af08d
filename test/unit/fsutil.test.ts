import { describe, expect, it } from 'vitest';
import { IoError, NotFoundError, UsageError } from '../../src/errors.js';
import { fileError } from '../../src/fsutil.js';

const errno = (code: string): NodeJS.ErrnoException =>
  Object.assign(new Error(`${code}: failed`), { code });

describe('fileError', () => {
  it('maps what the system refuses (read-only, full, quota, EIO, permission) to IoError, exit 7', () => {
    for (const [code, text] of [
      ['EROFS', 'read-only file system'],
      ['ENOSPC', 'no space left on device'],
      ['EDQUOT', 'disk quota exceeded'],
      ['EIO', 'input/output error'],
      ['EACCES', 'permission denied'],
      ['EPERM', 'permission denied'],
    ] as const) {
      const e = fileError(errno(code), 'store/blocks/A/x');
      expect(e, code).toBeInstanceOf(IoError);
      expect((e as IoError).exitCode).toBe(7);
      expect(e.message).toBe(`store/blocks/A/x: ${text}`);
    }
  });

  it('keeps missing files at exit 6 and directories given as files at exit 2', () => {
    expect(fileError(errno('ENOENT'), 'f')).toBeInstanceOf(NotFoundError);
    expect(fileError(errno('EISDIR'), 'f')).toBeInstanceOf(UsageError);
  });
});
