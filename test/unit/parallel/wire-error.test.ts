import { describe, expect, it } from 'vitest';
import {
  BlockDecryptionError,
  FormatError,
  Hbs2Error,
  InputChangedError,
  IntegrityError,
  NoMatchingKeyError,
  NotFoundError,
  UsageError,
} from '../../../src/errors.js';
import { fromWireError, toWireError } from '../../../src/parallel/wire-error.js';

/** Through the boundary as a worker would send it (structured clone included). */
const across = (e: unknown) => fromWireError(structuredClone(toWireError(e)));

describe('errors across the worker boundary', () => {
  it.each([
    UsageError,
    FormatError,
    IntegrityError,
    NotFoundError,
    BlockDecryptionError,
    InputChangedError,
    Hbs2Error,
  ])('%o comes back as the same class with its message and hint', (Class) => {
    const back = across(new Class('what went wrong', { hint: 'try this' }));
    expect(back.constructor).toBe(Class);
    expect(back.name).toBe(Class.name);
    expect(back.message).toBe('what went wrong');
    expect((back as Hbs2Error).hint).toBe('try this');
    expect((back as Hbs2Error).exitCode).toBe(new Class('x').exitCode);
  });

  it('NoMatchingKeyError keeps the keys it tried', () => {
    const back = across(new NoMatchingKeyError('no key', ['a', 'b'], { hint: 'h' }));
    expect(back).toBeInstanceOf(NoMatchingKeyError);
    expect((back as NoMatchingKeyError).tried).toEqual(['a', 'b']);
    expect((back as NoMatchingKeyError).hint).toBe('h');
  });

  it('anything else (a bug) stays a plain Error with its name, not an Hbs2Error', () => {
    const back = across(new RangeError('offset out of range'));
    expect(back).not.toBeInstanceOf(Hbs2Error);
    expect(back.name).toBe('RangeError');
    expect(back.message).toBe('offset out of range');
    expect(across('a string').message).toBe('a string');
  });
});
