/**
 * BLAKE2b-256 compiled to WebAssembly (hash-wasm). On this project's machine class it
 * hashes at about 1.2 GB/s where libsodium's BLAKE2b manages 0.66 GB/s, and hashing is
 * most of the CPU work of storing and reading trees (every block is hashed on write and
 * verified on read). The module compiles asynchronously, once per thread, so it is loaded
 * by {@link loadWasmBlake2b}; until it is ready the backends hash with their own BLAKE2b,
 * which gives the same bytes.
 */
import { createRequire } from 'node:module';

/** The part of hash-wasm's hasher this module uses. */
interface Hasher {
  init(): Hasher;
  update(data: Uint8Array): Hasher;
  digest(outputType: 'binary'): Uint8Array;
}

let hasher: Hasher | undefined;
let loading: Promise<boolean> | undefined;

/**
 * Loads and compiles the WebAssembly hasher for this thread; resolves to whether it is
 * available (false when WebAssembly is unavailable; hashing then stays on the backend).
 */
export function loadWasmBlake2b(): Promise<boolean> {
  return (loading ??= (async () => {
    try {
      // Only the BLAKE2b build: the package's index loads every algorithm (20 ms more).
      const { createBLAKE2b } = createRequire(import.meta.url)(
        'hash-wasm/dist/blake2b.umd.min.js',
      ) as { createBLAKE2b(bits: number): Promise<Hasher> };
      hasher = await createBLAKE2b(256);
      return true;
    } catch {
      return false;
    }
  })());
}

/**
 * BLAKE2b-256 of `data` with the WebAssembly hasher, or undefined when it is not loaded.
 * Synchronous and not re-entrant, which is safe: JavaScript runs one call at a time.
 */
export function wasmBlake2b256(data: Uint8Array): Uint8Array | undefined {
  if (!hasher) return undefined;
  hasher.init();
  hasher.update(data);
  return hasher.digest('binary');
}
