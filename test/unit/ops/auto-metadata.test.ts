/**
 * `autoMetadata` (`store --auto-meta`): hbs2's `file-name:` and `mime-type:` lines, a file
 * name that holds a quote or a newline cannot end its value early or add a line, and a
 * pipe is refused (sniffing it would consume the bytes to store).
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { autoMetadata } from '../../../src/ops/auto-metadata.js';

let dir = '';
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'auto-meta-'));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

describe('autoMetadata', () => {
  it('names the file and its type', async () => {
    const file = path.join(dir, 'notes.txt');
    await fs.writeFile(file, 'hello\n');
    expect(await autoMetadata(file)).toBe('file-name: "notes.txt"\nmime-type: "text/plain"');
  });

  it('escapes quotes and backslashes and flattens newlines in the name', async () => {
    const file = path.join(dir, 'a "b"\\c\nd.txt');
    await fs.writeFile(file, 'x');
    const text = await autoMetadata(file);
    expect(text.split('\n')).toHaveLength(2);
    expect(text.split('\n')[0]).toBe('file-name: "a \\"b\\"\\\\c d.txt"');
  });

  it('refuses a FIFO', async () => {
    const fifo = path.join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    await expect(autoMetadata(fifo)).rejects.toBeInstanceOf(UsageError);
  });
});
