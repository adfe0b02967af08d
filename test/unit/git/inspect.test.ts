/** The printable forms of `hbs2 git log`. */
import { describe, expect, it } from 'vitest';
import { encodeBase58 } from '../../../src/codec/base58.js';
import { formatLogEntry, logEntryJson, type LogEntry } from '../../../src/git/inspect.js';

const entry = (verdict: LogEntry['verdict']): LogEntry => ({
  hash: 'TX',
  height: 2,
  time: 1_700_000_000,
  author: 'AUTHOR',
  parent: null,
  verdict,
});

describe('git log entries', () => {
  it('JSON names the winner of a lost transaction in base58; other verdicts stay as they are', () => {
    const winner = new Uint8Array(32).fill(7);
    expect(logEntryJson(entry({ kind: 'lost', winner }))).toEqual({
      ...entry({ kind: 'canonical' }),
      verdict: { kind: 'lost', winner: encodeBase58(winner) },
    });
    expect(logEntryJson(entry({ kind: 'invalid', reason: 'r' })).verdict).toEqual({
      kind: 'invalid',
      reason: 'r',
    });
    expect(formatLogEntry(entry({ kind: 'canonical' }))).toBe(
      'TX 2 2023-11-14T22:13:20Z AUTHOR canonical',
    );
  });
});
