/** Object names of the S3 layout, the ListObjectsV2 / error XML parsers, the limiter. */
import { describe, expect, it } from 'vitest';
import { FormatError, UsageError } from '../../../../src/errors.js';
import { hashBlock, hashToString } from '../../../../src/store/hash.js';
import {
  hashOfKey,
  isS3Location,
  objectKey,
  parseS3Location,
} from '../../../../src/store/s3/layout.js';
import { Limiter } from '../../../../src/store/s3/limiter.js';
import { decodeXmlText, parseListObjectsV2, parseS3Error } from '../../../../src/store/s3/xml.js';

describe('S3 store locations and object names', () => {
  it('parses s3://bucket[/prefix], normalising slashes', () => {
    expect(parseS3Location('s3://my-bucket')).toEqual({ bucket: 'my-bucket', prefix: '' });
    expect(parseS3Location('s3://my-bucket/')).toEqual({ bucket: 'my-bucket', prefix: '' });
    expect(parseS3Location('s3://b.x-1/a/b/')).toEqual({ bucket: 'b.x-1', prefix: 'a/b/' });
    expect(isS3Location('S3://b/p')).toBe(true);
    expect(isS3Location('/srv/s3://x')).toBe(false);
  });

  it('refuses what is not a bucket name', () => {
    for (const bad of ['s3://', 's3://AB', 's3://a', 's3://under_score/x', 'http://b/x'])
      expect(() => parseS3Location(bad)).toThrow(UsageError);
  });

  it('names objects as the simple layout names files, and reads the names back', () => {
    // docs/formats.md "Stores in S3 buckets": the vector.
    const h = hashBlock(new TextEncoder().encode('hello'));
    const name = hashToString(h);
    expect(objectKey('team/', 'blocks', h)).toBe(
      'team/blocks/4/PNCZERNLKAqwSYHhZpb7B4GE34eiYDPXGgeNKWNNaBp',
    );
    expect(objectKey('team/', 'blocks', h)).toBe(`team/blocks/${name[0]}/${name.slice(1)}`);
    expect(objectKey('', 'refs', h)).toBe(`refs/${name[0]}/${name.slice(1)}`);
    expect(hashOfKey('team/', 'blocks', objectKey('team/', 'blocks', h))).toEqual(h);
    expect(hashOfKey('team/', 'blocks', `team/blocks/${name}`)).toBeNull();
    expect(hashOfKey('team/', 'blocks', `team/refs/${name[0]}/${name.slice(1)}`)).toBeNull();
    expect(hashOfKey('', 'blocks', 'blocks/x/0OIl')).toBeNull();
  });
});

describe('S3 XML', () => {
  it('parses a ListObjectsV2 page with entities and a continuation token', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name>
<IsTruncated>true</IsTruncated><NextContinuationToken>tok&amp;1</NextContinuationToken>
<Contents><Key>p/a&amp;b</Key><LastModified>2026-12-06T06:18:19.000Z</LastModified><Size>12</Size></Contents>
<Contents><Key>p/c</Key><LastModified>2026-12-06T06:18:20.000Z</LastModified><Size>0</Size></Contents>
</ListBucketResult>`;
    expect(parseListObjectsV2(xml)).toEqual({
      objects: [
        { key: 'p/a&b', size: 12, lastModified: Date.parse('2026-12-06T06:18:19.000Z') },
        { key: 'p/c', size: 0, lastModified: Date.parse('2026-12-06T06:18:20.000Z') },
      ],
      nextToken: 'tok&1',
    });
    const last = parseListObjectsV2(
      '<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>',
    );
    expect(last).toEqual({ objects: [], nextToken: undefined });
  });

  it('reads error documents and character references', () => {
    expect(
      parseS3Error('<Error><Code>AccessDenied</Code><Message>no &lt;way&gt;</Message></Error>'),
    ).toEqual({
      code: 'AccessDenied',
      message: 'no <way>',
    });
    expect(parseS3Error('not xml')).toEqual({ code: '', message: '' });
    expect(decodeXmlText('&#65;&#x42;&unknown;')).toBe('AB&unknown;');
  });
});

describe('Limiter', () => {
  it('never runs more than its limit, and runs everything', async () => {
    const limiter = new Limiter(3);
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limiter.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, i % 3));
          running--;
          done.push(i);
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('releases the slot of a failed task', async () => {
    const limiter = new Limiter(1);
    await expect(limiter.run(async () => Promise.reject(new FormatError('x')))).rejects.toThrow(
      'x',
    );
    expect(await limiter.run(async () => 7)).toBe(7);
  });
});
