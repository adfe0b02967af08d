/**
 * The little XML S3 answers with: ListObjectsV2 results and error documents. Their shape
 * is fixed and flat, so a tag scanner is enough; no XML library is needed.
 */

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Replaces XML character and entity references. */
export function decodeXmlText(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    return ENTITIES[ref] ?? whole;
  });
}

/** The decoded text of every `<tag>…</tag>` in `xml`, in order. */
function allTags(xml: string, tag: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g');
  for (let m = re.exec(xml); m; m = re.exec(xml)) out.push(m[1]!);
  return out;
}

/** The decoded text of the first `<tag>`, or undefined. */
export function firstTag(xml: string, tag: string): string | undefined {
  const v = allTags(xml, tag)[0];
  return v === undefined ? undefined : decodeXmlText(v);
}

/** One object of a listing. */
export interface ListedObject {
  readonly key: string;
  readonly size: number;
  /** Milliseconds since the epoch. */
  readonly lastModified: number;
}

/** One page of a ListObjectsV2 answer. */
export interface ListPage {
  readonly objects: ListedObject[];
  /** The token of the next page, or undefined on the last one. */
  readonly nextToken: string | undefined;
}

/** Parses a ListObjectsV2 result document. */
export function parseListObjectsV2(xml: string): ListPage {
  const objects = allTags(xml, 'Contents').map((c) => ({
    key: firstTag(c, 'Key') ?? '',
    size: Number(firstTag(c, 'Size') ?? 0),
    lastModified: Date.parse(firstTag(c, 'LastModified') ?? ''),
  }));
  const truncated = firstTag(xml, 'IsTruncated') === 'true';
  const nextToken = truncated ? firstTag(xml, 'NextContinuationToken') : undefined;
  return { objects, nextToken };
}

/** The `Code` and `Message` of an S3 error document (empty strings when absent). */
export function parseS3Error(xml: string): { code: string; message: string } {
  return { code: firstTag(xml, 'Code') ?? '', message: firstTag(xml, 'Message') ?? '' };
}
