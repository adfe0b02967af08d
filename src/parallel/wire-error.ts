/**
 * Errors across the worker boundary. A worker sends `{name, message, hint}` (plus the
 * keys a `NoMatchingKeyError` tried); this side rebuilds the same {@link Hbs2Error}
 * subclass by its name, so callers test classes with `instanceof`, never messages or
 * exit codes.
 */
import * as errors from '../errors.js';
import { Hbs2Error, NoMatchingKeyError } from '../errors.js';

/** An error as a worker posts it (structured-clone safe). */
export interface WireError {
  /** The class name (`IntegrityError`, …); anything not an Hbs2Error keeps its own. */
  name: string;
  message: string;
  hint?: string;
  /** {@link NoMatchingKeyError.tried}. */
  tried?: string[];
}

type Hbs2ErrorClass = new (message: string, options?: { hint?: string }) => Hbs2Error;

/** Every Hbs2Error class of errors.ts by name: a new class travels without a list to edit. */
const CLASSES: ReadonlyMap<string, Hbs2ErrorClass> = new Map(
  (Object.values(errors) as unknown[])
    .filter(
      (v): v is Hbs2ErrorClass =>
        typeof v === 'function' && (v === Hbs2Error || v.prototype instanceof Hbs2Error),
    )
    .map((C) => [C.name, C]),
);

/**
 * The error `e` as a message a worker can post.
 * @param e - anything thrown
 * @returns its name, message, hint (and tried keys)
 */
export function toWireError(e: unknown): WireError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e) };
  const w: WireError = { name: e.name, message: e.message };
  if (e instanceof Hbs2Error && e.hint !== undefined) w.hint = e.hint;
  if (e instanceof NoMatchingKeyError) w.tried = e.tried;
  return w;
}

/**
 * The error a worker posted, as the same class on this side. A name that is no Hbs2Error
 * class (a TypeError: a bug in the worker) stays a plain Error with that name, which the
 * CLI reports as an internal error.
 * @param w - what the worker posted
 * @returns the rebuilt error
 */
export function fromWireError(w: WireError): Error {
  if (w.name === NoMatchingKeyError.name)
    return new NoMatchingKeyError(w.message, w.tried ?? [], { hint: w.hint });
  const Class = CLASSES.get(w.name);
  if (Class) return new Class(w.message, { hint: w.hint });
  const e = new Error(w.message);
  e.name = w.name;
  return e;
}
