// Minimal typing for jedisct1's `siphash` package (SipHash-2-4 over 32-bit halves).
declare module 'siphash' {
  const SipHash: {
    hash(key: number[] | Uint32Array, message: Uint8Array | string): { h: number; l: number };
  };
  export default SipHash;
}
