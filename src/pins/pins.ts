/**
 * Pins of a store (docs/formats.md "Pins"): adding, listing and removing
 * the named roots that `gc` keeps. Each pin is a ref, so copying the store's directory
 * copies its pins.
 */
import { FormatError, NotFoundError } from '../errors.js';
import type { StoreBlocks, StoreRefs } from '../store/open.js';
import { equalBytes, hashToString, parseHash } from '../store/hash.js';
import { collectDeps } from '../tree/deps.js';
import { decodePinRecord, encodePinRecord, pinOfRef, pinRefKey, type PinRecord } from './record.js';

/** The refs and blocks of one store. */
export interface PinStores {
  refs: StoreRefs;
  blocks: StoreBlocks;
}

/**
 * Bytes of every block `root` needs, each counted once. A missing block is a
 * NotFoundError: a pin promises that what it names can be read back.
 */
export async function storedSize(
  blocks: Pick<StoreBlocks, 'get' | 'has' | 'sizeOf'>,
  root: Uint8Array,
): Promise<number> {
  let size = 0;
  for await (const d of collectDeps(blocks, root)) {
    const n = d.present ? await blocks.sizeOf(d.hash) : null;
    if (n === null)
      throw new NotFoundError(
        `object ${hashToString(root)} is incomplete: its ${d.role} block ${hashToString(d.hash)} is not in the store`,
      );
    size += n;
  }
  return size;
}

/** The pin a ref value names, or null when the value is not a pin record for `key`. */
async function readPin(
  blocks: Pick<StoreBlocks, 'get'>,
  key: Uint8Array,
  value: Uint8Array,
): Promise<PinRecord | null> {
  const block = await blocks.get(value);
  return block && pinOfRef(key, block);
}

/** What {@link addPin} did. */
export interface PinAdded {
  pin: PinRecord;
  /** The pin the name held before, when it named another root. */
  replaced: PinRecord | null;
}

/**
 * Pins `root` as `name` (replacing what the name held). The check that every block of
 * the root is present runs under the refs lock, which `gc` holds while it works: a pin
 * can never be recorded for a root whose blocks a concurrent gc deleted.
 * @param stores - the store's blocks and refs
 * @param root - the root to keep
 * @param name - the pin's name
 * @param date - Unix seconds recorded in the pin (default now)
 * @returns the pin recorded
 * @throws {@link NotFoundError} when a block of the root is missing
 */
export async function addPin(
  stores: PinStores,
  root: Uint8Array,
  name: string,
  date = Math.floor(Date.now() / 1000),
): Promise<PinAdded> {
  const key = pinRefKey(name);
  let result: PinAdded | undefined;
  await stores.refs.updateRef(key, async (current) => {
    const previous = current && (await readPin(stores.blocks, key, current));
    const pin: PinRecord = { name, root, size: await storedSize(stores.blocks, root), date };
    const replaced = previous && !equalBytes(previous.root, root) ? previous : null;
    result = { pin, replaced };
    if (previous && !replaced) {
      result.pin = previous; // same name, same root: keep the original date
      return null;
    }
    const hash = await stores.blocks.put(encodePinRecord(pin));
    await stores.blocks.flush();
    return hash;
  });
  return result!;
}

/**
 * Every pin of the store, sorted by name.
 * @param stores - the store's blocks and refs
 * @returns the pins
 */
export async function listPins(stores: PinStores): Promise<PinRecord[]> {
  const pins: PinRecord[] = [];
  for await (const { key, value } of stores.refs.listRefs()) {
    const pin = await readPin(stores.blocks, key, value);
    if (pin) pins.push(pin);
  }
  return pins.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A pin looked up by name, with the ref that records it (what a copy of the pin copies). */
export interface FoundPin {
  pin: PinRecord;
  ref: { key: Uint8Array; value: Uint8Array };
}

/**
 * The pin named `name`.
 * @param stores - the store's blocks and refs
 * @param name - the pin's name
 * @returns the pin and its ref, or null when the name is not pinned (or its record block
 *   is not in the store)
 * @throws {@link FormatError} when the name is not a valid pin name, or its ref names a
 *   block that is not a pin record
 */
export async function findPin(stores: PinStores, name: string): Promise<FoundPin | null> {
  const key = pinRefKey(name);
  const value = await stores.refs.getRef(key);
  const block = value && (await stores.blocks.get(value));
  if (!value || !block) return null;
  return { pin: decodePinRecord(block, `pin '${name}'`), ref: { key, value } };
}

/**
 * Removes the pin named `nameOrRoot` and, when it is a root hash, every pin of that root.
 * Returns the removed pins; none is a NotFoundError.
 * @param stores - the store's blocks and refs
 * @param nameOrRoot - a pin name or a root hash
 * @returns the removed pins
 * @throws {@link NotFoundError} when nothing matched
 */
export async function removePins(stores: PinStores, nameOrRoot: string): Promise<PinRecord[]> {
  const root = rootOrNull(nameOrRoot);
  const targets = root ? (await listPins(stores)).filter((p) => equalBytes(p.root, root)) : [];
  try {
    const key = pinRefKey(nameOrRoot);
    const value = await stores.refs.getRef(key);
    const byName = value && (await readPin(stores.blocks, key, value));
    if (byName && !targets.some((p) => p.name === byName.name)) targets.push(byName);
  } catch (e) {
    if (!(e instanceof FormatError)) throw e; // not a valid name: perhaps a root
  }
  if (targets.length === 0) throw new NotFoundError(`no pin named or rooted at '${nameOrRoot}'`);
  for (const pin of targets) await stores.refs.delRef(pinRefKey(pin.name));
  return targets;
}

function rootOrNull(text: string): Uint8Array | null {
  try {
    return parseHash(text);
  } catch {
    return null;
  }
}
