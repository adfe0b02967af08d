/** groupKeyFilesListing: the group key files of some directories that list a member. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatGroupKeyFile, generateGroupKey } from '../../../src/groupkey/index.js';
import { groupKeyFilesListing } from '../../../src/groupkey/files-listing.js';
import { generateKeyring } from '../../../src/keyring/keyring.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-gk-listing-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const member = () => generateKeyring(1).entries[0]!.publicKey;

describe('groupKeyFilesListing', () => {
  it('names the group key files listing the key, each directory once, skipping the rest', async () => {
    const [alice, bob] = [member(), member()];
    const other = path.join(dir, 'other');
    fs.mkdirSync(path.join(other, 'sub.gk'), { recursive: true });
    const write = (file: string, keys: Uint8Array[]) =>
      fs.writeFileSync(file, formatGroupKeyFile(generateGroupKey(keys).groupKey));
    write(path.join(dir, 'b-team.gk'), [alice, bob]);
    write(path.join(dir, 'a-bob-only.gk'), [bob]);
    write(path.join(other, 'z.gk'), [alice]);
    fs.writeFileSync(path.join(dir, 'notes.gk'), 'not a group key\n');
    fs.writeFileSync(path.join(dir, 'broken.gk'), '# hbs2 group key file\n!!!\n');

    const found = await groupKeyFilesListing(alice, [dir, other, `${dir}/.`]);
    expect(found).toEqual([path.join(dir, 'b-team.gk'), path.join(other, 'z.gk')]);
    expect(await groupKeyFilesListing(member(), [dir, other])).toEqual([]);
    expect(await groupKeyFilesListing(alice, [path.join(dir, 'missing')])).toEqual([]);
  });
});
