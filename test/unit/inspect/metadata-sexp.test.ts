import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMetadataSexp, metadataFields } from '../../../src/inspect/metadata-sexp.js';

describe("hbs2 0.25's s-expression form of metadata", () => {
  it('prints a short metadata text on one line, values as hbs2 quotes them', () => {
    expect(
      formatMetadataSexp('file-name: "a.txt"\nmime-type: "text/plain; charset=us-ascii"\n'),
    ).toBe('((file-name: "a.txt") (mime-type: "text/plain; charset=us-ascii"))');
    // A bare word stays bare; a value with spaces is quoted; an empty value is "".
    expect(formatMetadataSexp('size: 12\ntitle: two words\nnote:')).toBe(
      '((size: 12) (title: "two words") (note: ""))',
    );
  });

  it('breaks a list wider than 80 columns into one item per line', () => {
    const long = 'x'.repeat(70);
    expect(formatMetadataSexp(`file-name: "${long}"\nmime-type: "text/plain"`)).toBe(
      `((file-name: "${long}")\n (mime-type: "text/plain"))`,
    );
  });

  it('quotes a line that is not `key: value` whole, and skips blank lines', () => {
    expect(formatMetadataSexp('\n  just text  \r\n')).toBe('("just text")');
  });

  it('reads the fields of a metadata text, unquoting quoted values', () => {
    expect(
      metadataFields('file-name: "a \\"b\\".txt"\nmime-type: text/plain\nnot a field\n'),
    ).toEqual({
      'file-name': 'a "b".txt',
      'mime-type': 'text/plain',
    });
  });

  it('prints any text as one balanced s-expression, never throwing', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const s = formatMetadataSexp(text);
        expect(s.startsWith('(') && s.endsWith(')')).toBe(true);
        expect(() => metadataFields(text)).not.toThrow();
      }),
    );
  });
});
