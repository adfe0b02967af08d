/**
 * The page of `hbs2 serve` in a real browser (Debian's chromium through puppeteer-core):
 * a keyring file opened in the page decrypts a 3 MiB tree written by `store -g` and the
 * download — streamed through the page's download worker — is the file; a 48 MiB tree
 * downloads while the page's and the worker's memory stays a fraction of its size; a
 * keyring that is not a recipient shows "cannot decrypt"; a tampered block shows an
 * integrity error and the browser fails the download (no file by its name); on an origin
 * that is not secure (no service workers) the page says it saves from memory, and does.
 * A screenshot of each state goes to test-output/. Skipped, with a message, where
 * chromium is not installed — except in CI (CI=true), where its absence fails.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import puppeteer, { type Browser, type CDPSession, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, useTempDir } from '../helpers/cli.js';
import { BIN, hbs2Env } from '../helpers/hostile.js';

const ROOT = path.resolve(__dirname, '../..');
const OUTPUT = path.join(ROOT, 'test-output', 'web-page');
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
const IN_CI = process.env.CI === 'true';
/**
 * A name chromium resolves to loopback but does not treat as a secure origin; the server
 * answers it because it is started with `--allow-host` for it.
 */
const INSECURE_HOST = 'insecure.test';
/** Another name resolved to loopback, as a DNS-rebinding site would be: never allowed. */
const REBOUND_HOST = 'rebound.test';

if (!CHROMIUM && !IN_CI)
  console.warn(
    'test/browser/web-page.test.ts skipped: chromium not found (apt-get install chromium)',
  );

describe.runIf(IN_CI && !CHROMIUM)('web page in chromium (CI)', () => {
  it('has chromium installed (.ci/run installs it)', () => {
    expect(CHROMIUM, 'chromium is missing: .ci/run must apt-get install it').toBeDefined();
  });
});

const MIB = 1024 * 1024;

/** `n` bytes of a fixed pattern that repeats nowhere within a block. */
function pattern(n: number): Buffer {
  const data = Buffer.alloc(n);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  return data;
}

/** Live JS memory of a page or worker: its heap plus ArrayBuffer backing stores, after a GC. */
async function liveMemory(session: CDPSession): Promise<number> {
  await session.send('HeapProfiler.collectGarbage');
  const heap = await session.send('Runtime.getHeapUsage');
  return heap.usedSize + (heap.backingStorageSize ?? 0);
}

describe.runIf(!!CHROMIUM)('web page of hbs2 serve in chromium', () => {
  const dir = useTempDir();
  const file = (name: string) => path.join(dir(), name);
  /** Roots of the 3 MiB and 48 MiB trees, and of an 8 MiB one with a middle block flipped. */
  let root = '';
  let bigRoot = '';
  let tamperedRoot = '';
  let server: ChildProcess | undefined;
  let url = '';
  let browser: Browser | undefined;
  let page: Page;
  /** The browser's DevTools session (downloads). */
  let browserCdp: CDPSession;
  /** The page's own DevTools session (heap usage). */
  let pageCdp: CDPSession;
  const downloads = () => path.join(dir(), 'downloads');
  /** The browser's downloads by guid: the name it saves under and the last state reported. */
  const downloadStates = new Map<string, { name: string; state: string }>();
  /** The guid and state of the browser's latest download named `name`. */
  const latestDownload = (name: string) =>
    [...downloadStates]
      .filter(([, d]) => d.name === name)
      .map(([guid, d]) => ({ guid, ...d }))
      .at(-1);
  const downloadState = (name: string) => latestDownload(name)?.state;

  const ok = (args: string[]) => {
    const r = runCli(dir(), args);
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.trim();
  };

  beforeAll(async () => {
    // The page is part of the build (npm run build); built here too so the test stands alone.
    const built = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build-web.mjs')], {
      encoding: 'utf8',
    });
    expect(built.status, built.stderr).toBe(0);
    // A simple-layout store, so the test can tamper with a block file.
    fs.mkdirSync(path.join(dir(), 'store', 'blocks'), { recursive: true });
    fs.mkdirSync(downloads());
    fs.mkdirSync(OUTPUT, { recursive: true });
    const big = pattern(48 * MIB);
    fs.writeFileSync(file('big.bin'), big);
    fs.writeFileSync(file('data.bin'), big.subarray(0, 3 * MIB));
    fs.writeFileSync(file('middle.bin'), big.subarray(0, 8 * MIB));
    ok(['keyring', 'new', '-o', 'member.key']);
    ok(['keyring', 'new', '-o', 'outsider.key']);
    ok(['groupkey-new', 'member.key', '-o', 'group.gk']);
    const storeFor = (name: string) => ok(['store', '-g', 'group.gk', '-k', 'member.key', name]);
    root = storeFor('data.bin');
    bigRoot = storeFor('big.bin');
    // A third encrypted tree whose middle data block is then flipped on disk: the first
    // half of it reaches the download before the error.
    tamperedRoot = storeFor('middle.bin');
    const blocks = ok(['cat', '-H', tamperedRoot]).split('\n');
    const middle = blocks[blocks.length >> 1]!;
    const blockFile = path.join(dir(), 'store', 'blocks', middle[0]!, middle.slice(1));
    const bytes = fs.readFileSync(blockFile);
    bytes[100]! ^= 0xff;
    fs.chmodSync(blockFile, 0o644);
    fs.writeFileSync(blockFile, bytes);

    server = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--allow-host', INSECURE_HOST], {
      env: hbs2Env(dir()),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: server!.stdout! }).once('line', resolve);
      server!.once('exit', (code) => reject(new Error(`hbs2 serve exited with ${code}`)));
    });
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        // Root in a container has no user namespaces for chromium's sandbox.
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        // An origin that is not secure (as a LAN address over http would be), still on
        // loopback: the page there gets no service worker.
        `--host-resolver-rules=MAP ${INSECURE_HOST} 127.0.0.1, MAP ${REBOUND_HOST} 127.0.0.1`,
      ],
    });
    browserCdp = await browser.target().createCDPSession();
    browserCdp.on('Browser.downloadWillBegin', (e) =>
      downloadStates.set(e.guid, { name: e.suggestedFilename, state: 'inProgress' }),
    );
    browserCdp.on('Browser.downloadProgress', (e) => {
      const d = downloadStates.get(e.guid);
      if (d) d.state = e.state;
    });
    await browserCdp.send('Browser.setDownloadBehavior', {
      behavior: 'allow',
      downloadPath: downloads(),
      eventsEnabled: true,
    });
    page = await openPage(url);
    pageCdp = await page.createCDPSession();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    // Stopped by its own pid, as `hbs2 serve` stops on SIGTERM.
    if (server?.pid !== undefined && server.exitCode === null) process.kill(server.pid, 'SIGTERM');
  });

  const openPage = async (at: string) => {
    const p = await browser!.newPage();
    await p.setViewport({ width: 900, height: 900 });
    await p.goto(at);
    await p.waitForSelector('html[data-ready="true"]');
    return p;
  };
  const openKeyring = async (name: string, p = page) => {
    const input = await p.$('#keyring-file');
    await (input as unknown as { uploadFile(p: string): Promise<void> }).uploadFile(file(name));
    await p.waitForFunction(
      (n) => document.getElementById('keyring-status')!.textContent!.startsWith(n),
      {},
      name,
    );
  };
  const showRoot = async (hash: string, p = page) => {
    await p.$eval('#root', (el, v) => ((el as HTMLInputElement).value = v), hash);
    await p.click('#show');
    await p.waitForFunction(
      (h) =>
        document.querySelector('[data-field="hash"]')?.textContent === h &&
        document.getElementById('status')!.textContent === '',
      {},
      hash,
    );
  };
  const field = (name: string) =>
    page.$eval(`[data-field="${name}"]`, (el) => el.textContent ?? '');
  /** How the page saved (or is saving) the last download. */
  const saveMethod = (p = page) =>
    p.$eval('#download', (el) => (el as HTMLElement).dataset.saveMethod);
  /**
   * The status text once it has class `cls`. Waits less than the tests' own timeout, so a
   * page that never gets there fails with what it shows instead of a bare test timeout.
   */
  const waitStatus = async (cls: 'done' | 'error', p = page) => {
    try {
      await p.waitForSelector(`#status.${cls}`, { timeout: 45_000 });
    } catch (e) {
      const shown = await p.$eval('#status', (el) => `${el.className}: ${el.textContent}`);
      throw new Error(`status never became '${cls}'; the page shows "${shown}"`, { cause: e });
    }
    return p.$eval('#status', (el) => el.textContent ?? '');
  };
  /** Waits for the browser to finish the download `name`, then compares it with `source`. */
  const expectDownloaded = async (name: string, source: string) => {
    await expect.poll(() => downloadState(name), { timeout: 30_000 }).toBe('completed');
    const saved = path.join(downloads(), name);
    expect(fs.statSync(saved).size).toBe(fs.statSync(file(source)).size);
    expect(fs.readFileSync(saved).equals(fs.readFileSync(file(source)))).toBe(true);
  };

  it('a member keyring opened in the page decrypts the 3 MiB tree; the download streams the file', async () => {
    await openKeyring('member.key');
    await showRoot(root);
    expect(await field('encryption')).toBe('group key, method 2');
    expect(await field('recipients')).toBe('1');
    expect(await field('this-keyring')).toBe('member.key can read it');
    await page.click('#download');
    expect(await waitStatus('done')).toBe(
      `Saved ${root}.bin (${3 * MIB} bytes, every block verified).`,
    );
    expect(await saveMethod()).toBe('stream');
    await expectDownloaded(`${root}.bin`, 'data.bin');
    await page.screenshot({ path: path.join(OUTPUT, 'decrypted.png'), fullPage: true });
  }, 120_000);

  it('a 48 MiB tree streams to disk with the page and worker memory a fraction of its size', async () => {
    await openKeyring('member.key');
    await showRoot(bigRoot);
    await page.click('#download');
    const worker = await browser!.waitForTarget(
      (t) => t.type() === 'service_worker' && t.url().endsWith('/download-worker.js'),
    );
    const workerCdp = await worker.createCDPSession();
    // Sampled while the download is between 10% and 90% done: the Blob the page used to
    // build held everything decrypted so far, the stream holds a few blocks.
    const samples: number[] = [];
    for (;;) {
      const { status, done } = await page.evaluate(() => {
        const p = document.getElementById('progress') as HTMLProgressElement;
        return {
          status: document.getElementById('status')!.className,
          done: p.hidden ? 0 : p.value / p.max,
        };
      });
      if (status === 'done' || status === 'error') break;
      if (done >= 0.1 && done <= 0.9)
        samples.push((await liveMemory(pageCdp)) + (await liveMemory(workerCdp)));
    }
    expect(await waitStatus('done')).toBe(
      `Saved ${bigRoot}.bin (${48 * MIB} bytes, every block verified).`,
    );
    expect(samples.length).toBeGreaterThanOrEqual(3);
    const peak = Math.max(...samples);
    expect(peak, `peak live memory ${(peak / MIB).toFixed(1)} MiB`).toBeLessThan((48 * MIB) / 3);
    expect(await saveMethod()).toBe('stream');
    await expectDownloaded(`${bigRoot}.bin`, 'big.bin');
    await page.screenshot({ path: path.join(OUTPUT, 'decrypted-48mib.png'), fullPage: true });
  }, 120_000);

  it('cancelling the download in the browser stops the decryption and says so', async () => {
    await showRoot(bigRoot);
    const before = downloadStates.size;
    await page.click('#download');
    await expect.poll(() => downloadStates.size, { timeout: 30_000 }).toBe(before + 1);
    const { guid } = latestDownload(`${bigRoot}.bin`)!;
    await browserCdp.send('Browser.cancelDownload', { guid });
    expect(await waitStatus('error')).toBe('Download cancelled.');
    expect(downloadState(`${bigRoot}.bin`)).toBe('canceled');
    // The page read no further than the blocks in flight when the browser let go.
    const read = await page.$eval('#progress', (el) => (el as HTMLProgressElement).value);
    expect(read).toBeLessThan(48 * MIB);
  }, 60_000);

  it('a keyring that is not a recipient: "cannot decrypt", and no download begins', async () => {
    await openKeyring('outsider.key');
    await showRoot(root);
    expect(await field('this-keyring')).toBe('cannot decrypt');
    const before = downloadStates.size;
    await page.click('#download');
    expect(await waitStatus('error')).toMatch(/^Cannot decrypt: outsider\.key holds none/);
    expect(downloadStates.size).toBe(before);
    await page.screenshot({ path: path.join(OUTPUT, 'cannot-decrypt.png'), fullPage: true });
  }, 60_000);

  it('a tampered block mid-way: integrity error, and the browser fails the download', async () => {
    await openKeyring('member.key');
    await showRoot(tamperedRoot);
    expect(await field('this-keyring')).toBe('member.key can read it');
    await page.click('#download');
    expect(await waitStatus('error')).toMatch(/^Integrity error: /);
    expect(await saveMethod()).toBe('stream');
    const name = `${tamperedRoot}.bin`;
    // The browser had begun the download (the first half was written) and then cancels it.
    await expect.poll(() => downloadState(name), { timeout: 30_000 }).toBe('canceled');
    expect(fs.existsSync(path.join(downloads(), name))).toBe(false);
    await page.screenshot({ path: path.join(OUTPUT, 'integrity-error.png'), fullPage: true });
  }, 120_000);

  it('on an origin that is not secure the page says it saves from memory, and does', async () => {
    // The first test's download has the same name: gone, so this one gets it again.
    fs.rmSync(path.join(downloads(), `${root}.bin`));
    const insecure = await openPage(url.replace('127.0.0.1', INSECURE_HOST));
    await openKeyring('member.key', insecure);
    await showRoot(root, insecure);
    const told = insecure.waitForFunction(
      () => document.getElementById('status')!.textContent!.includes('large files need'),
      { polling: 'mutation', timeout: 45_000 },
    );
    await insecure.click('#download');
    await told;
    expect(await waitStatus('done', insecure)).toBe(
      `Saved ${root}.bin (${3 * MIB} bytes, every block verified).`,
    );
    expect(await saveMethod(insecure)).toBe('memory');
    await expectDownloaded(`${root}.bin`, 'data.bin');
    await insecure.screenshot({ path: path.join(OUTPUT, 'insecure-origin.png'), fullPage: true });
  }, 60_000);

  it('a site whose name resolves to this machine (DNS rebinding) gets 403, not the store', async () => {
    const p = await browser!.newPage();
    const at = url.replace('127.0.0.1', REBOUND_HOST);
    const pageResponse = await p.goto(at);
    expect(pageResponse?.status()).toBe(403);
    const tree = await p.goto(`${at}tree/${root}`);
    expect(tree?.status()).toBe(403);
    expect(await tree?.text()).toMatch(/host 'rebound\.test' is not allowed/);
    await p.close();
  }, 30_000);
});
