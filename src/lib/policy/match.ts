/**
 * Which images a lifecycle rule's `selection` picks, exactly as ECR decides it.
 * Pure: no AWS SDK import. Two entry points with the same semantics: `selectionMatches` for one
 * image, and `selectCandidates` for a whole repository at once (the simulator's hot path: one
 * sequential pass over a flat tag table per list entry, no per-image closures).
 */
import type { ImageRecord } from '../domain/types.js';
import type { Selection } from './types.js';

/** A compiled test of one tag against one `tagPatternList` or `tagPrefixList` entry. */
export type TagPredicate = (tag: string) => boolean;

/**
 * One list entry analysed into the cheapest equivalent test: an exact tag, a prefix, a suffix,
 * a head-and-tail pair, "any tag", or a general `*` glob.
 */
type TagTest =
  | { readonly kind: 'all' }
  | { readonly kind: 'exact'; readonly text: string }
  | { readonly kind: 'prefix'; readonly text: string }
  | { readonly kind: 'suffix'; readonly text: string }
  | { readonly kind: 'affix'; readonly head: string; readonly tail: string }
  | { readonly kind: 'glob'; readonly head: string; readonly tail: string; readonly middle: readonly string[] };

const analysePattern = (pattern: string): TagTest => {
  const segments = pattern.split('*');
  if (segments.length === 1) return { kind: 'exact', text: pattern };
  if (segments.every((s) => s === '')) return { kind: 'all' };
  const head = segments[0] ?? '';
  const tail = segments[segments.length - 1] ?? '';
  const middle = segments.slice(1, -1).filter((s) => s !== '');
  if (middle.length === 0) {
    if (tail === '') return { kind: 'prefix', text: head };
    if (head === '') return { kind: 'suffix', text: tail };
    return { kind: 'affix', head, tail };
  }
  return { kind: 'glob', head, tail, middle };
};

/**
 * True when the middle segments of a glob fit, in order, between `from` and `tag.length - tailLength`.
 * Placing each segment at its leftmost occurrence is exact for `*`-only globs and linear per tag,
 * where a naive regex can backtrack exponentially.
 */
const middleFits = (tag: string, from: number, tailLength: number, middle: readonly string[]): boolean => {
  const end = tag.length - tailLength;
  let at = from;
  for (const segment of middle) {
    const found = tag.indexOf(segment, at);
    if (found < 0 || found + segment.length > end) return false;
    at = found + segment.length;
  }
  return true;
};

const predicateOf = (test: TagTest): TagPredicate => {
  switch (test.kind) {
    case 'all':
      return () => true;
    case 'exact':
      return (tag) => tag === test.text;
    case 'prefix':
      return (tag) => tag.startsWith(test.text);
    case 'suffix':
      return (tag) => tag.endsWith(test.text);
    case 'affix': {
      const min = test.head.length + test.tail.length;
      return (tag) => tag.length >= min && tag.startsWith(test.head) && tag.endsWith(test.tail);
    }
    case 'glob': {
      const { head, tail, middle } = test;
      const min = head.length + tail.length;
      return (tag) =>
        tag.length >= min && tag.startsWith(head) && tag.endsWith(tail) && middleFits(tag, head.length, tail.length, middle);
    }
  }
};

/** Compiles an ECR tag pattern: whole-tag match, `*` matches any run of characters, including none. */
export const compileTagPattern = (pattern: string): TagPredicate => predicateOf(analysePattern(pattern));

/** True when `tag` matches ECR tag pattern `pattern` as a whole (`*` = any run, possibly empty). */
export const tagMatchesPattern = (tag: string, pattern: string): boolean => compileTagPattern(pattern)(tag);

/** A selection's tag lists as tests: patterns first, then prefixes (as `prefix` tests). */
const testsOf = (selection: Selection): TagTest[] => [
  ...(selection.tagPatternList ?? []).map(analysePattern),
  ...(selection.tagPrefixList ?? []).map((text): TagTest => ({ kind: 'prefix', text })),
];

/**
 * True when the selection picks the image:
 * - Storage class: an absent `storageClass` means `standard`; an archived image is only ever
 *   selected by `archive` rules and a standard image only by standard rules.
 * - `untagged` picks images without tags; `any` picks every image of the storage class (tag lists
 *   are ignored, as ECR refuses them there).
 * - `tagged` picks tagged images for which EVERY list entry matches SOME tag of the image (the
 *   lists are ANDed, per the ECR user guide). A `tagged` selection without a list, which ECR
 *   rejects, is read as "every tagged image".
 */
export const selectionMatches = (selection: Selection, image: ImageRecord): boolean => {
  if (image.storageClass !== (selection.storageClass ?? 'standard')) return false;
  switch (selection.tagStatus) {
    case 'any':
      return true;
    case 'untagged':
      return image.tags.length === 0;
    case 'tagged':
      return (
        image.tags.length > 0 && testsOf(selection).every((test) => image.tags.some(predicateOf(test)))
      );
  }
};

// Tags whose first UTF-16 unit is below this get their own bucket; the rest share one.
const BUCKETS = 128;
const OTHER = BUCKETS;

/**
 * A repository's images laid out for bulk matching: every tag in one flat array with its owner,
 * and tag positions grouped by first character so a pattern with a fixed head scans only the
 * tags that can start with it. Build once per listing with `buildTagTable`.
 */
export interface TagTable {
  readonly imageCount: number;
  /** 1 when the image is in archive storage. */
  readonly archived: Uint8Array;
  readonly tagCount: Uint32Array;
  readonly tags: readonly string[];
  /** Image index owning `tags[t]`. */
  readonly owner: Int32Array;
  /**
   * Fingerprints, so most tags are rejected without touching the string: its length, its first
   * eight and last four characters packed one byte each (first character lowest), and 1 in `wide`
   * when one of those characters does not fit a byte (such tags are always compared as strings).
   */
  readonly length: Uint32Array;
  readonly head0: Uint32Array;
  readonly head1: Uint32Array;
  readonly tail0: Uint32Array;
  readonly wide: Uint8Array;
  /** Tag positions grouped by first character: bucket b spans `byFirst[bucketStart[b] .. bucketStart[b+1])`. */
  readonly byFirst: Int32Array;
  readonly bucketStart: Int32Array;
  /** Scratch space for `selectCandidates`, reused across rules to spare the garbage collector. */
  readonly hits: Uint16Array;
}

/** Packs `count` (≤ 4) characters of `text` from `at` into one word, one byte each, the first lowest. */
const pack = (text: string, at: number, count: number): { readonly word: number; readonly wide: boolean } => {
  let word = 0;
  let wide = false;
  for (let c = 0; c < count; c++) {
    const code = at + c < text.length && at + c >= 0 ? text.charCodeAt(at + c) : 0;
    if (code > 0xff) wide = true;
    word |= (code & 0xff) << (8 * c);
  }
  return { word: word >>> 0, wide };
};

/** Mask selecting the first `count` (0..4) packed characters of a word. */
const maskOf = (count: number): number => (count >= 4 ? 0xffffffff : (1 << (8 * count)) - 1) >>> 0;

const bucketOf = (text: string): number => {
  const code = text.charCodeAt(0);
  return code < BUCKETS ? code : OTHER;
};

/** Lays out `images` for `selectCandidates`; O(total tags). */
export const buildTagTable = (images: readonly ImageRecord[]): TagTable => {
  const imageCount = images.length;
  const archived = new Uint8Array(imageCount);
  const tagCount = new Uint32Array(imageCount);
  let total = 0;
  for (let i = 0; i < imageCount; i++) {
    const image = images[i] as ImageRecord;
    archived[i] = image.storageClass === 'archive' ? 1 : 0;
    tagCount[i] = image.tags.length;
    total += image.tags.length;
  }
  const tags = new Array<string>(total);
  const owner = new Int32Array(total);
  const length = new Uint32Array(total);
  const head0 = new Uint32Array(total);
  const head1 = new Uint32Array(total);
  const tail0 = new Uint32Array(total);
  const wide = new Uint8Array(total);
  const counts = new Int32Array(BUCKETS + 2);
  let t = 0;
  for (let i = 0; i < imageCount; i++) {
    for (const tag of (images[i] as ImageRecord).tags) {
      tags[t] = tag;
      owner[t] = i;
      const size = tag.length;
      length[t] = size;
      // Same layout as `pack`, inlined: this loop runs once per tag of the repository.
      let h0 = 0;
      let h1 = 0;
      let t0 = 0;
      let anyWide = 0;
      const headEnd = size < 8 ? size : 8;
      for (let c = 0; c < headEnd; c++) {
        const code = tag.charCodeAt(c);
        anyWide |= code >>> 8;
        if (c < 4) h0 |= (code & 0xff) << (8 * c);
        else h1 |= (code & 0xff) << (8 * (c - 4));
      }
      const tailStart = size < 4 ? 0 : size - 4;
      for (let c = tailStart; c < size; c++) {
        const code = tag.charCodeAt(c);
        anyWide |= code >>> 8;
        t0 |= (code & 0xff) << (8 * (3 - (size - 1 - c)));
      }
      head0[t] = h0 >>> 0;
      head1[t] = h1 >>> 0;
      tail0[t] = t0 >>> 0;
      wide[t] = anyWide === 0 ? 0 : 1;
      // An empty tag (charCodeAt → NaN) lands in the shared bucket.
      const code = tag.charCodeAt(0);
      (counts[(code < BUCKETS ? code : OTHER) + 1] as number) += 1;
      t++;
    }
  }
  const bucketStart = new Int32Array(BUCKETS + 2);
  for (let b = 1; b < BUCKETS + 2; b++) bucketStart[b] = (bucketStart[b - 1] as number) + (counts[b] as number);
  const fill = bucketStart.slice(0, BUCKETS + 1);
  const byFirst = new Int32Array(total);
  for (let k = 0; k < total; k++) {
    const b = bucketOf(tags[k] as string);
    byFirst[fill[b] as number] = k;
    (fill[b] as number) += 1;
  }
  return {
    imageCount,
    archived,
    tagCount,
    tags,
    owner,
    length,
    head0,
    head1,
    tail0,
    wide,
    byFirst,
    bucketStart,
    hits: new Uint16Array(imageCount),
  };
};

/** A head's fingerprint: compare `(head0 & m0) === h0 && (head1 & m1) === h1`; `sure` when that is conclusive. */
interface HeadPrint {
  readonly h0: number;
  readonly m0: number;
  readonly h1: number;
  readonly m1: number;
  readonly sure: boolean;
}

const headPrint = (text: string): HeadPrint => {
  const first = pack(text, 0, Math.min(text.length, 4));
  const second = pack(text, 4, Math.max(0, Math.min(text.length - 4, 4)));
  // Signed (`| 0`), because `word & mask` in the scan yields a signed 32-bit integer.
  return {
    h0: first.word | 0,
    m0: maskOf(Math.min(text.length, 4)),
    h1: second.word | 0,
    m1: maskOf(Math.max(0, Math.min(text.length - 4, 4))),
    sure: text.length <= 8 && !first.wide && !second.wide,
  };
};

/** A tail's fingerprint against `tail0` (last four characters, the last in the top byte). */
interface TailPrint {
  readonly t0: number;
  readonly mt: number;
  readonly sure: boolean;
}

const tailPrint = (text: string): TailPrint => {
  const count = Math.min(text.length, 4);
  const { word, wide } = pack(text, text.length - count, count);
  const shift = 8 * (4 - count);
  return {
    t0: shift >= 32 ? 0 : word << shift,
    mt: shift >= 32 ? 0 : (0xffffffff << shift) >>> 0,
    sure: text.length <= 4 && !wide,
  };
};

/**
 * For the tags of `table` that `test` accepts, raises `hits[owner]` from `k` to `k + 1`: after the
 * k-th entry of a list, `hits[i] === k + 1` exactly when entries 0..k each matched some tag of image i.
 * When `out` is given (the list's last entry), each image reaching `k + 1` in storage class
 * `archived` is also appended to `out`; returns how many were appended.
 * Tags are filtered on their fingerprints first (typed arrays, scanned in order); the string is only
 * read when the fingerprint cannot decide.
 */
const markMatches = (
  table: TagTable,
  test: TagTest,
  k: number,
  out: Int32Array | undefined,
  archived: number,
): number => {
  const { tags, owner, length, head0, head1, tail0, wide, byFirst, bucketStart, hits } = table;
  const isArchived = table.archived;
  const headText =
    test.kind === 'exact' || test.kind === 'prefix' ? test.text : test.kind === 'affix' || test.kind === 'glob' ? test.head : '';
  const tailText = test.kind === 'suffix' ? test.text : test.kind === 'affix' || test.kind === 'glob' ? test.tail : '';
  // `byFirst` is a permutation of all tags, so an empty head simply scans all of it.
  const b = headText === '' ? -1 : bucketOf(headText);
  const from = b < 0 ? 0 : (bucketStart[b] as number);
  const to = b < 0 ? tags.length : (bucketStart[b + 1] as number);
  const next = k + 1;
  const { h0, m0, h1, m1, sure: headSure } = headPrint(headText);
  const { t0, mt, sure: tailSure } = tailPrint(tailText);
  const headLength = headText.length;
  const tailLength = tailText.length;
  const minLength = test.kind === 'exact' ? headLength : headLength + tailLength;
  const exactLength = test.kind === 'exact';
  const sure = headSure && tailSure && test.kind !== 'glob';
  const middle = test.kind === 'glob' ? test.middle : [];
  let count = 0;
  // One loop for every kind, with the tests inline and no predicate call: a shared loop calling a
  // closure per tag would go megamorphic across rules. Empty heads and tails have zero masks.
  for (let p = from; p < to; p++) {
    const t = byFirst[p] as number;
    const o = owner[t] as number;
    if (hits[o] !== k) continue;
    const len = length[t] as number;
    if (len < minLength || (exactLength && len !== minLength)) continue;
    if (((head0[t] as number) & m0) !== h0 || ((head1[t] as number) & m1) !== h1) continue;
    if (((tail0[t] as number) & mt) !== t0) continue;
    if (!(sure && wide[t] === 0)) {
      const tag = tags[t] as string;
      if (headLength > 0 && !tag.startsWith(headText)) continue;
      if (tailLength > 0 && !tag.endsWith(tailText)) continue;
      if (middle.length > 0 && !middleFits(tag, headLength, tailLength, middle)) continue;
    }
    hits[o] = next;
    if (out !== undefined && isArchived[o] === archived) out[count++] = o;
  }
  return count;
};

/**
 * Writes to `out` (length ≥ `table.imageCount`) the index of every image the selection picks,
 * in no particular order, with exactly the semantics of `selectionMatches`; returns how many.
 * Cost: one pass over the images for `any`/`untagged`, and for `tagged` one pass per list entry
 * over only the tags sharing the entry's first character.
 */
export const selectCandidates = (selection: Selection, table: TagTable, out: Int32Array): number => {
  const { imageCount, archived, tagCount, hits } = table;
  const want = (selection.storageClass ?? 'standard') === 'archive' ? 1 : 0;
  let count = 0;
  if (selection.tagStatus === 'tagged') {
    const tests = testsOf(selection);
    if (tests.length > 0) {
      hits.fill(0);
      for (let k = 0; k < tests.length; k++) {
        const last = k === tests.length - 1;
        count = markMatches(table, tests[k] as TagTest, k, last ? out : undefined, want);
      }
      return count;
    }
  }
  const needTags = selection.tagStatus === 'tagged';
  const needNoTags = selection.tagStatus === 'untagged';
  for (let i = 0; i < imageCount; i++) {
    if (archived[i] !== want) continue;
    const tagged = (tagCount[i] as number) > 0;
    if ((needTags && !tagged) || (needNoTags && tagged)) continue;
    out[count++] = i;
  }
  return count;
};
