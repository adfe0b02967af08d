/** Writing to stdout/stderr from commands: the only place that touches the streams. */
import { once } from 'node:events';
import { yaml } from '../config/yaml.js';

/** Writes to stdout, waiting for the stream to drain when it is full (back-pressure). */
export async function writeStdout(data: Uint8Array | string): Promise<void> {
  if (!process.stdout.write(data)) await once(process.stdout, 'drain');
}

/**
 * Writes to stdout and resolves once the stream is done with `data` (its write callback),
 * so the caller may reuse the buffer; a write error rejects.
 */
export function writeStdoutDone(data: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(data, (e) => (e ? reject(e) : resolve()));
  });
}

/** Prints one line (adds `\n`) to stdout. */
export async function printLine(line: string): Promise<void> {
  await writeStdout(line + '\n');
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

/** An informational line on stderr (never mixed into results). */
export function info(message: string): void {
  process.stderr.write(`hbs2: ${message}\n`);
}
