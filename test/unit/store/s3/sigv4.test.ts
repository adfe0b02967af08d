/**
 * SigV4 known answers: AWS's published Signature Version 4 test suite (generic service)
 * and the worked examples of the S3 API reference ("Signature Calculations for the
 * Authorization Header"). A wrong canonical form, key derivation or encoding changes
 * every one of these signatures.
 */
import { describe, expect, it } from 'vitest';
import { amzDate, payloadSha256, signRequest, uriEncode } from '../../../../src/store/s3/sigv4.js';

const SUITE = {
  region: 'us-east-1',
  service: 'service',
  credentials: {
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  },
  date: new Date('2015-08-30T12:36:00Z'),
};

const S3_DOCS = {
  region: 'us-east-1',
  service: 's3',
  credentials: {
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  },
  date: new Date('2013-05-24T00:00:00Z'),
};
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('SigV4 test suite (generic service)', () => {
  it('get-vanilla', () => {
    const r = signRequest({
      ...SUITE,
      method: 'GET',
      url: new URL('https://example.amazonaws.com/'),
      headers: {},
      payloadHash: payloadSha256(),
    });
    expect(r.headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ' +
        'SignedHeaders=host;x-amz-date, ' +
        'Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
  });

  it('get-vanilla-query-order-key-case: the query is sorted', () => {
    const r = signRequest({
      ...SUITE,
      method: 'GET',
      url: new URL('https://example.amazonaws.com/?Param2=value2&Param1=value1'),
      headers: {},
      payloadHash: payloadSha256(),
    });
    expect(r.signature).toBe('b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500');
  });

  it('post-vanilla', () => {
    const r = signRequest({
      ...SUITE,
      method: 'POST',
      url: new URL('https://example.amazonaws.com/'),
      headers: {},
      payloadHash: payloadSha256(''),
    });
    expect(r.signature).toBe('5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b');
  });
});

describe('S3 API reference examples', () => {
  it('GET Object with a range header', () => {
    const r = signRequest({
      ...S3_DOCS,
      method: 'GET',
      url: new URL('https://examplebucket.s3.amazonaws.com/test.txt'),
      headers: { Range: 'bytes=0-9', 'x-amz-content-sha256': EMPTY_SHA256 },
      payloadHash: EMPTY_SHA256,
    });
    expect(r.signedHeaders).toBe('host;range;x-amz-content-sha256;x-amz-date');
    expect(r.signature).toBe('f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
  });

  it('PUT Object: a key that needs encoding ($) and a signed body', () => {
    const body = payloadSha256('Welcome to Amazon S3.');
    expect(body).toBe('44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072');
    const r = signRequest({
      ...S3_DOCS,
      method: 'PUT',
      url: new URL('https://examplebucket.s3.amazonaws.com/test$file.text'),
      headers: {
        Date: 'Fri, 24 May 2013 00:00:00 GMT',
        'x-amz-storage-class': 'REDUCED_REDUNDANCY',
        'x-amz-content-sha256': body,
      },
      payloadHash: body,
    });
    expect(r.signature).toBe('98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd');
  });

  it('GET Bucket lifecycle: a query parameter without a value', () => {
    const r = signRequest({
      ...S3_DOCS,
      method: 'GET',
      url: new URL('https://examplebucket.s3.amazonaws.com/?lifecycle'),
      headers: { 'x-amz-content-sha256': EMPTY_SHA256 },
      payloadHash: EMPTY_SHA256,
    });
    expect(r.signature).toBe('fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543');
  });

  it('GET Bucket (list objects): two query parameters sorted', () => {
    const r = signRequest({
      ...S3_DOCS,
      method: 'GET',
      url: new URL('https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J'),
      headers: { 'x-amz-content-sha256': EMPTY_SHA256 },
      payloadHash: EMPTY_SHA256,
    });
    expect(r.signature).toBe('34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7');
  });
});

describe('helpers', () => {
  it('formats the date as SigV4 wants it', () => {
    expect(amzDate(new Date('2013-05-24T00:00:00.123Z'))).toBe('20130524T000000Z');
  });
  it('encodes everything but unreserved characters', () => {
    expect(uriEncode("a b*(c)!'~-_./")).toBe('a%20b%2A%28c%29%21%27~-_.%2F');
    expect(uriEncode('p/q r', true)).toBe('p/q%20r');
  });
  it('adds the session token as a signed header', () => {
    const r = signRequest({
      ...SUITE,
      credentials: { ...SUITE.credentials, sessionToken: 'TOKEN' },
      method: 'GET',
      url: new URL('https://example.amazonaws.com/'),
      headers: {},
      payloadHash: payloadSha256(),
    });
    expect(r.headers['x-amz-security-token']).toBe('TOKEN');
    expect(r.signedHeaders).toBe('host;x-amz-date;x-amz-security-token');
  });
});
