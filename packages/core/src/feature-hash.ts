/**
 * Feature hashing: a text value to one of `buckets` buckets, by 32-bit FNV-1a over its UTF-8 bytes.
 * Training (the model's raw input rows) and serving compute the same bucket, so a column whose
 * values must not be stored (personal data) can still be a feature: only bucket numbers are kept.
 */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const encoder = new TextEncoder();

export function hashToBucket(text: string, buckets: number): number {
  let hash = FNV_OFFSET;
  for (const byte of encoder.encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash % buckets;
}
