/** Writing to stdout/stderr from commands: the only place that touches the streams. */
import { once } from 'node:events';
import { yaml } from '../config/yaml.js';
import { fileError } from '../fsutil.js';

/**
 * Thrown by the stdout writers once the reader of stdout has gone (EPIPE, as in
 * `hbs2 keyring pubs a b | head -1`): the command stops, and the CLI exits 0 quietly.
 */
export class StdoutClosedError extends Error {
  constructor() {
    super('standard output was closed');
    this.name = 'StdoutClosedError';
  }
}

let stdoutClosed = false;
/** A stdout failure other than a closed pipe (a full disk), seen by the listener. */
let stdoutFailed: Error | undefined;
let watching = false;

/**
 * Listens for stdout errors once per process, so that a reader closing the pipe marks
 * stdout closed instead of crashing the process with an unhandled 'error' event (which
 * is what `hbs2 --help | head -1` did). Other stdout errors reach the writer that hit them.
 */
export function watchStdout(): void {
  if (watching) return;
  watching = true;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') stdoutClosed = true;
    else stdoutFailed ??= fileError(e, 'standard output');
  });
}

/**
 * The stdout failure (other than a closed pipe) the listener saw, if any: a write that
 * nobody awaited, such as commander's help text, failed after the command had returned.
 * It waits one turn of the event loop first, for an error event still on its way.
 */
export async function stdoutFailure(): Promise<Error | undefined> {
  await new Promise((resolve) => setImmediate(resolve));
  return stdoutFailed;
}

/** The error a failed stdout write stands for: a closed pipe, or a typed file error. */
function writeFailure(e: unknown): Error {
  if ((e as NodeJS.ErrnoException).code === 'EPIPE' || stdoutClosed) {
    stdoutClosed = true;
    return new StdoutClosedError();
  }
  return fileError(e, 'standard output');
}

/** The error for a write to a stdout that failed or was closed before. */
function unwritable(): Error | undefined {
  if (stdoutFailed) return stdoutFailed;
  if (stdoutClosed || process.stdout.destroyed) return new StdoutClosedError();
  return undefined;
}

/** Writes to stdout, waiting for the stream to drain when it is full (back-pressure). */
export async function writeStdout(data: Uint8Array | string): Promise<void> {
  const before = unwritable();
  if (before) throw before;
  try {
    if (!process.stdout.write(data)) await once(process.stdout, 'drain');
  } catch (e) {
    throw writeFailure(e);
  }
}

/**
 * Writes to stdout and resolves once the stream is done with `data` (its write callback),
 * so the caller may reuse the buffer; a write error rejects.
 */
export function writeStdoutDone(data: Uint8Array): Promise<void> {
  const before = unwritable();
  if (before) return Promise.reject(before);
  return new Promise((resolve, reject) => {
    process.stdout.write(data, (e) => (e ? reject(writeFailure(e)) : resolve()));
  });
}

/** Prints one line (adds `\n`) to stdout. */
export async function printLine(line: string): Promise<void> {
  await writeStdout(line + '\n');
}

/**
 * Prints `text` as hbs2 0.25 does (`has`, `cat --metadata`): without a trailing newline,
 * except on a terminal, where the prompt would otherwise follow it on the same line.
 */
export async function printBare(text: string): Promise<void> {
  await writeStdout(process.stdout.isTTY ? text + '\n' : text);
}

/** Prints a value as one JSON document on stdout. */
export async function printJson(value: unknown): Promise<void> {
  await writeStdout(JSON.stringify(value, null, 2) + '\n');
}

/** Prints a value as YAML on stdout. */
export async function printYaml(value: unknown): Promise<void> {
  await writeStdout(yaml().stringify(value));
}

/** A warning on stderr: `hbs2: warning: …`. */
export function warn(message: string): void {
  process.stderr.write(`hbs2: warning: ${message}\n`);
}

let quiet = false;

/** `--quiet`: informational lines and progress are dropped; warnings and errors stay. */
export function setQuiet(on: boolean): void {
  quiet = on;
}

/** Whether `--quiet` was given. */
export function isQuiet(): boolean {
  return quiet;
}

/** An informational line on stderr (never mixed into results); none with `--quiet`. */
export function info(message: string): void {
  if (!quiet) process.stderr.write(`hbs2: ${message}\n`);
}

/** `N word`, with an `s` when N is not one ("1 block", "3 blocks"). */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
