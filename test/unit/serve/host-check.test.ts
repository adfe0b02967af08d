/**
 * DNS-rebinding protection of `hbs2 serve`: only IP addresses, localhost and allowed names
 * are answered; through a real loopback server, a request naming another host gets 403 and
 * no block, while the same request naming 127.0.0.1 or an allowed name is served.
 */
import { request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBase58, MemoryBlockStore, MemoryRefStore, storePlain } from '../../../src/index.js';
import { hostName, isAllowedHost } from '../../../src/serve/host-check.js';
import { serveStore, type RunningServer } from '../../../src/serve/http-server.js';

describe('isAllowedHost', () => {
  it('allows IP addresses, localhost and no Host header, with or without a port', () => {
    for (const h of [
      '127.0.0.1',
      '127.0.0.1:8000',
      '192.168.1.20:8000',
      '[::1]:8000',
      '[::1]',
      '[fe80::1%eth0]:80',
      'localhost',
      'LOCALHOST:8000',
      undefined,
    ])
      expect(isAllowedHost(h), String(h)).toBe(true);
  });

  it('refuses names, and numbers that are not addresses, unless allowed', () => {
    for (const h of ['evil.example', 'evil.example:8000', '127.0.0.1.evil.example', '999.1.1.1'])
      expect(isAllowedHost(h), h).toBe(false);
    expect(isAllowedHost('Files.Example:443', ['files.example'])).toBe(true);
    expect(isAllowedHost('other.example', ['files.example'])).toBe(false);
    expect(isAllowedHost('anything.example', ['*'])).toBe(true);
  });

  it('never throws and only allows DNS names that were named (property)', () => {
    fc.assert(
      fc.property(fc.string(), (h) => {
        const allowed = isAllowedHost(h);
        const name = hostName(h);
        if (allowed && /[g-z]/.test(name.split('%')[0]!)) expect(name).toBe('localhost');
      }),
    );
  });
});

describe('a loopback server asked with a foreign Host header', () => {
  const blocks = Object.assign(new MemoryBlockStore(), {
    async sizeOf(this: MemoryBlockStore, h: Uint8Array) {
      return (await this.get(h))?.length ?? null;
    },
  });
  let server: RunningServer;
  let root = '';
  beforeAll(async () => {
    root = encodeBase58((await storePlain(blocks, [new TextEncoder().encode('secret plan')])).root);
    server = await serveStore(
      { blocks, refs: new MemoryRefStore() },
      { allowedHosts: ['files.example'] },
    );
  });
  afterAll(() => server.close());

  /** GET `path` with the given Host header (fetch cannot set it). */
  function get(
    path: string,
    host: string,
  ): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: server.port, path, headers: { host } },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (b: Buffer) => parts.push(b));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(parts).toString(),
              headers: res.headers,
            }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  it('answers 403 without content to a rebinding name; serves IPs and allowed names', async () => {
    const evil = await get(`/tree/${root}`, `attacker.example:${server.port}`);
    expect(evil.status).toBe(403);
    expect(evil.body).toMatch(/host 'attacker\.example' is not allowed.*--allow-host/);
    expect(evil.body).not.toContain('secret plan');
    const served = await get(`/tree/${root}`, `127.0.0.1:${server.port}`);
    expect(served.body).toBe('secret plan');
    // No CORS: another origin's script cannot read what a loopback request returns.
    expect(Object.keys(served.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    expect(served.headers['x-content-type-options']).toBe('nosniff');
    expect((await get(`/tree/${root}`, `localhost:${server.port}`)).body).toBe('secret plan');
    expect((await get(`/tree/${root}`, 'files.example')).body).toBe('secret plan');
  });
});
