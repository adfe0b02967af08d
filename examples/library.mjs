// The library, end to end: Alice encrypts a file for herself and Bob, shares the store
// and the group key, Bob decrypts it, and Carol (not a member) cannot.
// Run after `npm run build`: node examples/library.mjs
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  encodeBase58,
  formatGroupKeyFile,
  formatKeyringFile,
  generateGroupKey,
  generateKeyring,
  NoMatchingKeyError,
  parseGroupKeyFile,
  parseKeyringFile,
  readContent,
  storeEncrypted,
} from 'hbs2-toolkit';
import { openStore, selectCrypto } from 'hbs2-toolkit/node';

selectCrypto(); // libsodium when sodium-native loads, else the portable backend

// Each person has a keyring (what `hbs2 keyring new` writes) and publishes a public key.
const alice = generateKeyring(1);
const bob = generateKeyring(1);
const carol = generateKeyring(1);
const bobKeyringFile = formatKeyringFile(bob); // Bob keeps this file to himself

// 1. Encrypt: Alice makes a group key for Alice and Bob and stores a file for the group.
const { groupKey } = generateGroupKey([alice.entries[0].publicKey, bob.entries[0].publicKey]);
const dir = await mkdtemp(join(tmpdir(), 'hbs2-example-'));
const storeDir = join(dir, 'store');
const report = new TextEncoder().encode('Q3 revenue: 42\nQ3 costs: 17\n');
const aliceStore = await openStore(storeDir, { write: true });
const { root } = await storeEncrypted(aliceStore.blocks, [report], {
  groupKey,
  keyrings: [{ keyring: alice }],
  keyIndex: aliceStore.keyIndex,
  metadata: 'file-name: "report.txt"',
  onProgress: (bytes) => console.log(`stored ${bytes} bytes`),
});
await aliceStore.close();

// 2. Share: the store (copied, synced, or served with `hbs2 serve`), the root hash and
//    the group key file. None of them reveals the content to a non-member.
const sharedGroupKeyFile = formatGroupKeyFile(groupKey);
console.log(`root ${encodeBase58(root)}`);

// 3. Decrypt: Bob opens the store with his own keyring file.
const bobsKeyring = parseKeyringFile(bobKeyringFile, 'bob.key');
const bobStore = await openStore(storeDir);
const chunks = [];
for await (const chunk of readContent(bobStore.blocks, root, {
  keyrings: [{ keyring: bobsKeyring, path: 'bob.key' }],
  keyIndex: bobStore.keyIndex,
}))
  chunks.push(chunk);
const text = new TextDecoder().decode(Buffer.concat(chunks));
console.log(`Bob reads: ${JSON.stringify(text)}`);
console.log(
  `group key lists ${parseGroupKeyFile(sharedGroupKeyFile).recipients.length} recipients`,
);

// Carol is not in the group key: reading fails with a typed error, never with garbage.
try {
  for await (const _ of readContent(bobStore.blocks, root, { keyrings: [{ keyring: carol }] }));
  throw new Error('Carol should not read it');
} catch (e) {
  if (!(e instanceof NoMatchingKeyError)) throw e;
  console.log(`Carol: ${e.name}`);
}
await bobStore.close();
await rm(dir, { recursive: true, force: true });
