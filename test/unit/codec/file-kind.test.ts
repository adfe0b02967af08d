import { describe, expect, it } from 'vitest';
import { sniffFileKind, wrongKindMessage } from '../../../src/codec/file-kind.js';
import { formatKeyringFile, generateKeyring } from '../../../src/keyring/keyring.js';
import { formatGroupKeyFile, generateGroupKey } from '../../../src/groupkey/index.js';
import { encodeBase58 } from '../../../src/codec/base58.js';

const keyring = generateKeyring(2);
const pubs = keyring.entries.map((e) => encodeBase58(e.publicKey));
const groupKey = generateGroupKey(keyring.entries.map((e) => e.publicKey)).groupKey;

describe('sniffFileKind', () => {
  it('names the toolkit files by their headers', () => {
    expect(sniffFileKind(formatKeyringFile(keyring))).toBe('keyring');
    expect(sniffFileKind(formatGroupKeyFile(groupKey))).toBe('group-key');
    expect(sniffFileKind('# hbs2 symmetric group key file\nabc\n')).toBe('group-key');
    expect(sniffFileKind('# sigil file. public data\nabc\n')).toBe('sigil');
    expect(sniffFileKind('# hbs2 acb file\nabc\n')).toBe('acb');
    expect(sniffFileKind('(define-acb a)\n(acb-root a "K")\n')).toBe('acb-config');
  });

  it('tells a recipients file (lines of keys, member forms, comments) from a bare key', () => {
    expect(sniffFileKind(`${pubs[0]}  # alice\n; note\n${pubs[1]}\n`)).toBe('recipients');
    expect(sniffFileKind(`member "${pubs[0]}"\n(member "${pubs[1]}")\n`)).toBe('recipients');
    expect(sniffFileKind(`${pubs[0]}\n`)).toBe('recipients');
    expect(sniffFileKind(pubs[0]!)).toBe('public-key');
  });

  it('calls anything else unknown: prose, raw bytes, a too-short key, an empty file', () => {
    expect(sniffFileKind('hello world\n')).toBe('unknown');
    expect(sniffFileKind(new Uint8Array([0x83, 1, 2, 3]))).toBe('unknown');
    expect(sniffFileKind('3yZe7d\n')).toBe('unknown');
    expect(sniffFileKind('')).toBe('unknown');
    expect(sniffFileKind(`${pubs[0]}\nnot a key\n`)).toBe('unknown');
  });

  it('says what a file is and what was expected', () => {
    expect(wrongKindMessage('team.gk', 'group-key', 'a keyring')).toBe(
      'team.gk is a group key file, not a keyring',
    );
  });
});
