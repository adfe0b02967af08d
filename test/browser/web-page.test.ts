/**
 * The page of `hbs2 serve` in a real browser (Debian's chromium through puppeteer-core):
 * a keyring file opened in the page decrypts a 3 MiB tree written by `store -g` and the
 * downloaded bytes are the file's; a keyring that is not a recipient shows "cannot
 * decrypt"; a tampered block shows an integrity error. A screenshot of each state goes
 * to test-output/. Skipped, with a message, where chromium is not installed — except in
 * CI (CI=true), where its absence fails.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, useTempDir } from '../helpers/cli.js';
import { BIN, hbs2Env } from '../helpers/hostile.js';

const ROOT = path.resolve(__dirname, '../..');
const OUTPUT = path.join(ROOT, 'test-output', 'web-page');
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
const IN_CI = process.env.CI === 'true';

if (!CHROMIUM && !IN_CI)
  console.warn(
    'test/browser/web-page.test.ts skipped: chromium not found (apt-get install chromium)',
  );

describe.runIf(IN_CI && !CHROMIUM)('web page in chromium (CI)', () => {
  it('has chromium installed (.ci/run installs it)', () => {
    expect(CHROMIUM, 'chromium is missing: .ci/run must apt-get install it').toBeDefined();
  });
});

describe.runIf(!!CHROMIUM)('web page of hbs2 serve in chromium', () => {
  const dir = useTempDir();
  const file = () => path.join(dir(), 'data.bin');
  let root = '';
  let tamperedRoot = '';
  let server: ChildProcess | undefined;
  let url = '';
  let browser: Browser | undefined;
  let page: Page;
  const downloads = () => path.join(dir(), 'downloads');

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
    const data = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
    fs.writeFileSync(file(), data);
    ok(['keyring', 'new', '-o', 'member.key']);
    ok(['keyring', 'new', '-o', 'outsider.key']);
    ok(['groupkey-new', 'member.key', '-o', 'group.gk']);
    root = ok(['store', '-g', 'group.gk', '-k', 'member.key', 'data.bin']);
    // A second encrypted tree whose last data block is then flipped on disk.
    fs.writeFileSync(path.join(dir(), 'small.bin'), data.subarray(0, 700_000));
    tamperedRoot = ok(['store', '-g', 'group.gk', '-k', 'member.key', 'small.bin']);
    const blocks = ok(['cat', '-H', tamperedRoot]).split('\n');
    const last = blocks[blocks.length - 1]!;
    const blockFile = path.join(dir(), 'store', 'blocks', last[0]!, last.slice(1));
    const bytes = fs.readFileSync(blockFile);
    bytes[100]! ^= 0xff;
    fs.chmodSync(blockFile, 0o644);
    fs.writeFileSync(blockFile, bytes);

    server = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
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
      // Root in a container has no user namespaces for chromium's sandbox.
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    page = await browser.newPage();
    await page.setViewport({ width: 900, height: 900 });
    const cdp = await page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', {
      behavior: 'allow',
      downloadPath: downloads(),
    });
    await page.goto(url);
    await page.waitForSelector('html[data-ready="true"]');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    // Stopped by its own pid, as `hbs2 serve` stops on SIGTERM.
    if (server?.pid !== undefined && server.exitCode === null) process.kill(server.pid, 'SIGTERM');
  });

  const openKeyring = async (name: string) => {
    const input = await page.$('#keyring-file');
    await (input as unknown as { uploadFile(p: string): Promise<void> }).uploadFile(
      path.join(dir(), name),
    );
    await page.waitForFunction(
      (n) => document.getElementById('keyring-status')!.textContent!.startsWith(n),
      {},
      name,
    );
  };
  const showRoot = async (hash: string) => {
    await page.$eval('#root', (el, v) => ((el as HTMLInputElement).value = v), hash);
    await page.click('#show');
    await page.waitForFunction(
      (h) =>
        document.querySelector('[data-field="hash"]')?.textContent === h &&
        document.getElementById('status')!.textContent === '',
      {},
      hash,
    );
  };
  const field = (name: string) =>
    page.$eval(`[data-field="${name}"]`, (el) => el.textContent ?? '');
  /**
   * The status text once it has class `cls`. Waits less than the tests' own timeout, so a
   * page that never gets there fails with what it shows instead of a bare test timeout.
   */
  const waitStatus = async (cls: 'done' | 'error') => {
    try {
      await page.waitForSelector(`#status.${cls}`, { timeout: 45_000 });
    } catch (e) {
      const shown = await page.$eval('#status', (el) => `${el.className}: ${el.textContent}`);
      throw new Error(`status never became '${cls}'; the page shows "${shown}"`, { cause: e });
    }
    return page.$eval('#status', (el) => el.textContent ?? '');
  };

  it('a member keyring opened in the page decrypts the 3 MiB tree; the download is the file', async () => {
    await openKeyring('member.key');
    await showRoot(root);
    expect(await field('encryption')).toBe('group key, method 2');
    expect(await field('recipients')).toBe('1');
    expect(await field('this-keyring')).toBe('member.key can read it');
    await page.click('#download');
    expect(await waitStatus('done')).toContain(`${3 * 1024 * 1024} bytes`);
    const saved = path.join(downloads(), `${root}.bin`);
    await expect.poll(() => fs.existsSync(saved), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => fs.statSync(saved).size, { timeout: 30_000 }).toBe(3 * 1024 * 1024);
    expect(fs.readFileSync(saved).equals(fs.readFileSync(file()))).toBe(true);
    await page.screenshot({ path: path.join(OUTPUT, 'decrypted.png'), fullPage: true });
  }, 120_000);

  it('a keyring that is not a recipient: "cannot decrypt", and the download says so', async () => {
    await openKeyring('outsider.key');
    await showRoot(root);
    expect(await field('this-keyring')).toBe('cannot decrypt');
    await page.click('#download');
    expect(await waitStatus('error')).toMatch(/^Cannot decrypt: outsider\.key holds none/);
    await page.screenshot({ path: path.join(OUTPUT, 'cannot-decrypt.png'), fullPage: true });
  }, 60_000);

  it('a tampered block stops the download with an integrity error', async () => {
    await openKeyring('member.key');
    await showRoot(tamperedRoot);
    expect(await field('this-keyring')).toBe('member.key can read it');
    await page.click('#download');
    expect(await waitStatus('error')).toMatch(/^Integrity error: /);
    expect(fs.existsSync(path.join(downloads(), `${tamperedRoot}.bin`))).toBe(false);
    await page.screenshot({ path: path.join(OUTPUT, 'integrity-error.png'), fullPage: true });
  }, 120_000);
});
