/**
 * Node's backend choice: libsodium (sodium-native) when it loads, else the portable `js`
 * backend. Kept out of `./index.js` because loading the addon needs Node's `require`.
 */
import { Hbs2Error } from '../errors.js';
import { jsCrypto, setDefaultCrypto, useCrypto } from './index.js';
import { loadNativeCrypto } from './native.js';
import type { CryptoProvider } from './provider.js';

export * from './index.js';
export { loadNativeCrypto } from './native.js';
export { loadWasmBlake2b } from './wasm-blake2b.js';

/**
 * Chooses the backend: `native` (libsodium) when it loads, else `js`. Passing a name
 * forces that backend.
 * @param name - `js` or `native`; omitted, the fastest available
 * @returns the backend now in use
 * @throws {@link Hbs2Error} when `native` is asked for and sodium-native cannot load
 */
export function selectCrypto(name?: 'js' | 'native'): CryptoProvider {
  if (name === 'js') return useCrypto(jsCrypto);
  if (name === 'native') {
    const n = loadNativeCrypto();
    if (!n) throw new Hbs2Error('the native crypto backend (sodium-native) is not available');
    return useCrypto(n);
  }
  return useCrypto(loadNativeCrypto() ?? jsCrypto);
}

/**
 * Makes libsodium the backend chosen on first use (when it loads), without loading it now:
 * commands that never touch cryptography do not pay for the addon.
 */
export function preferNativeCrypto(): void {
  setDefaultCrypto(() => loadNativeCrypto() ?? jsCrypto);
}
