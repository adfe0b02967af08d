/**
 * The page `hbs2 serve` shows at `/`: opens a keyring file locally, describes an object
 * and downloads its content, decrypting in the browser with the portable core. Blocks come
 * from the server's `/cat/` path and are verified here; nothing but block requests is sent.
 */
import {
  describeObject,
  HttpBlockSource,
  IntegrityError,
  NoMatchingKeyError,
  NotFoundError,
  parseHash,
  parseKeyringFile,
  readContent,
  type KeyringSource,
  type ObjectDescription,
} from '../src/index.js';
import {
  downloadWorker,
  DownloadCancelledError,
  pullStream,
  save,
  type SaveMethod,
} from './save.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const source = new HttpBlockSource(new URL('/', location.href));
let keyrings: KeyringSource[] = [];
let keyringName = '';
let shown: { hash: Uint8Array; desc: ObjectDescription } | null = null;

/** One line for the status area; errors get the error style. */
function setStatus(text: string, kind: 'info' | 'error' | 'done' = 'info'): void {
  const status = $('status');
  status.textContent = text;
  status.className = kind === 'info' ? '' : kind;
}

/** What a failure means to the person at the page. */
function explain(e: unknown): string {
  if (e instanceof NoMatchingKeyError)
    return keyrings.length === 0
      ? 'Cannot decrypt: the content is encrypted. Open a keyring file that holds one of its recipients’ keys.'
      : `Cannot decrypt: ${keyringName} holds none of the keys this content is encrypted for.`;
  if (e instanceof IntegrityError)
    return `Integrity error: a block does not match its hash, so nothing more was read. ${e.message}`;
  if (e instanceof NotFoundError) return `Not found: ${e.message}`;
  if (e instanceof DownloadCancelledError) return 'Download cancelled.';
  return e instanceof Error ? e.message : String(e);
}

async function openKeyring(file: File): Promise<void> {
  const keyring = parseKeyringFile(new Uint8Array(await file.arrayBuffer()), file.name);
  keyrings = [{ keyring, path: file.name }];
  keyringName = file.name;
  const n = keyring.entries.length;
  $('keyring-status').textContent =
    `${file.name}: ${n} encryption key${n === 1 ? '' : 's'}, kept in this page only.`;
  $('keyring-forget').hidden = false;
  if (shown) await show(shown.hash);
}

function forgetKeyring(): void {
  keyrings = [];
  keyringName = '';
  $<HTMLInputElement>('keyring-file').value = '';
  $('keyring-status').textContent = 'No keyring: plain content only.';
  $('keyring-forget').hidden = true;
  if (shown) void show(shown.hash);
}

const MIB = 1024 * 1024;

function sizeText(d: ObjectDescription): string {
  const n = Number(d.size);
  const human =
    n >= MIB
      ? ` (${(n / MIB).toFixed(1)} MiB)`
      : n >= 1024
        ? ` (${(n / 1024).toFixed(1)} KiB)`
        : '';
  return `${d.size} bytes${human}${d.sizeIsCiphertext ? ', encrypted size' : ''}`;
}

const TYPES: Record<ObjectDescription['type'], string> = {
  blob: 'single block',
  merkle: 'merkle tree',
  'ann-merkle': 'annotated merkle tree',
  'annotated-ref': 'reference (annotated)',
  'sequential-ref': 'reference (sequential)',
  groupkey: 'group key',
};

const METHODS: Record<ObjectDescription['encryption']['method'], string> = {
  none: 'none',
  'group-symm-1': 'group key, method 1 (hbs2 0.24)',
  'group-symm-2': 'group key, method 2',
  asymm: 'public key',
};

/** The "this keyring" row: whether the opened keyring reads the object. */
function readability(d: ObjectDescription): [string, 'yes' | 'no' | ''] {
  if (d.encryption.method === 'none') return ['not needed (plain content)', ''];
  if (keyrings.length === 0) return ['no keyring opened', 'no'];
  return d.encryption.canDecrypt ? [`${keyringName} can read it`, 'yes'] : ['cannot decrypt', 'no'];
}

function render(d: ObjectDescription): void {
  const rows: Array<[string, string, string?]> = [
    ['Hash', d.hash],
    ['Type', TYPES[d.type]],
    ['Size', sizeText(d)],
    ['Blocks', String(d.blocks)],
    ['Encryption', METHODS[d.encryption.method]],
  ];
  if (d.encryption.groupKey) rows.push(['Group key', d.encryption.groupKey]);
  if (d.encryption.recipients !== null) rows.push(['Recipients', String(d.encryption.recipients)]);
  const [can, cls] = readability(d);
  rows.push(['This keyring', can, cls]);
  if (d.metadata.text !== null) rows.push(['Metadata', d.metadata.text]);
  for (const w of d.warnings ?? []) rows.push(['Warning', w, 'no']);
  const dl = $('meta');
  dl.replaceChildren(
    ...rows.flatMap(([k, v, c]) => {
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.textContent = v;
      if (c) dd.className = c;
      dd.dataset.field = k.toLowerCase().replace(/ /g, '-');
      return [dt, dd];
    }),
  );
  $('download').textContent = d.encryption.method === 'none' ? 'Download' : 'Decrypt and download';
  $('result').hidden = false;
}

/** Counts show() calls: only the newest may change what the page shows. */
let showCalls = 0;

async function show(hash: Uint8Array): Promise<void> {
  // Opening a keyring re-describes the shown object while the person may already have
  // asked for another one: without this, whichever description arrived last would win,
  // and Download would fetch an object the page no longer names.
  const call = ++showCalls;
  setStatus('Reading…');
  let desc: ObjectDescription;
  try {
    desc = await describeObject(source, hash, {
      sizeOf: (h) => source.sizeOf(h),
      keyrings,
    });
  } catch (e) {
    if (call !== showCalls) return; // superseded: its failure is no longer news
    throw e;
  }
  if (call !== showCalls) return;
  shown = { hash, desc };
  render(desc);
  setStatus('');
}

/** The file name the metadata gives (`file-name: "…"`), else the hash. */
function downloadName(d: ObjectDescription): string {
  const m = d.metadata.text?.match(/file-name:\s*"([^"/\\]{1,200})"/);
  return m?.[1] ?? `${d.hash}.bin`;
}

/** What the status line says while content is saved `method`'s way. */
function savingText(method: SaveMethod, encrypted: boolean): string {
  const doing = encrypted ? 'Decrypting' : 'Reading';
  switch (method) {
    case 'stream':
      return `${doing}… straight into your downloads, block by block.`;
    case 'file-picker':
      return `${doing}… into the file you chose (this page cannot run its download worker here).`;
    case 'memory':
      return `${doing}… in memory: large files need this page on a secure origin (http://127.0.0.1, localhost or https) to stream to disk.`;
  }
}

/** The exact content length, when the description gives it (a ciphertext size is not). */
function contentLength(d: ObjectDescription): number | null {
  return d.sizeIsCiphertext || typeof d.size !== 'number' ? null : d.size;
}

/**
 * Decrypts (or reads) block by block, each block written out as it comes (see save.ts):
 * nothing is read faster than it is saved.
 */
async function download(): Promise<void> {
  if (!shown) return;
  const { hash, desc } = shown;
  const button = $<HTMLButtonElement>('download');
  const progress = $<HTMLProgressElement>('progress');
  const total = Number(desc.size) || 1;
  const encrypted = desc.encryption.method !== 'none';
  button.disabled = true;
  delete button.dataset.saveMethod;
  progress.hidden = false;
  progress.max = total;
  progress.value = 0;
  setStatus(encrypted ? 'Decrypting…' : 'Reading…');
  try {
    const name = downloadName(desc);
    const content = await pullStream(
      readContent(source, hash, {
        keyrings,
        onProgress: (n) => (progress.value = Math.min(n, total)),
      }),
    );
    const bytes = await save({ name, length: contentLength(desc), content }, (method) => {
      button.dataset.saveMethod = method;
      setStatus(savingText(method, encrypted));
    });
    setStatus(`Saved ${name} (${bytes} bytes, every block verified).`, 'done');
  } finally {
    button.disabled = false;
    progress.hidden = true;
  }
}

/** Runs a handler, reporting any failure in the status area. */
const guarded =
  <A extends unknown[]>(fn: (...args: A) => Promise<void>) =>
  (...args: A) =>
    void fn(...args).catch((e: unknown) => setStatus(explain(e), 'error'));

$<HTMLInputElement>('keyring-file').addEventListener(
  'change',
  guarded(async () => {
    const file = $<HTMLInputElement>('keyring-file').files?.[0];
    if (file) await openKeyring(file);
  }),
);
$('keyring-forget').addEventListener('click', forgetKeyring);
$<HTMLFormElement>('object-form').addEventListener(
  'submit',
  guarded(async (e: Event) => {
    e.preventDefault();
    const text = $<HTMLInputElement>('root').value.trim();
    await show(parseHash(text, 'root hash'));
  }),
);
$('download').addEventListener('click', guarded(download));
// Registered now, so it is active by the first download.
void downloadWorker();
document.documentElement.dataset.ready = 'true';
