/**
 * Where a store keeps its key index (group key trees by group key id, see
 * rotate/key-index.ts) when it is not a directory: stores that are not on the file system
 * (S3) register a backend for their location when opened, and the key index functions,
 * which take the store's location, use it instead of `<location>/keyindex/`.
 */

/** The key index as names: `<id b58>` → `<group key tree hash b58>` entries. */
export interface KeyIndexBackend {
  /** Adds an entry (idempotent). */
  record(idName: string, hashName: string): Promise<void>;
  /** Every id name, sorted. */
  ids(): Promise<string[]>;
  /** The hash names recorded under `idName`, sorted. */
  entries(idName: string): Promise<string[]>;
}

const backends = new Map<string, KeyIndexBackend>();

/** Makes `backend` the key index of the store at `location`. */
export function registerKeyIndexBackend(location: string, backend: KeyIndexBackend): void {
  backends.set(location, backend);
}

/** The backend registered for `location`, if any (else the index is a directory). */
export function keyIndexBackendFor(location: string): KeyIndexBackend | undefined {
  return backends.get(location);
}
