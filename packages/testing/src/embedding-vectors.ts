import { createHash } from 'node:crypto';

/**
 * A deterministic unit vector for a piece of input, so equal inputs embed equally across runs
 * and tests can assert on values without a model.
 */
export function embeddingFor(input: unknown, dimensions: number): number[] {
  const seed = typeof input === 'string' ? input : JSON.stringify(input);
  const values: number[] = [];
  let block = 0;
  while (values.length < dimensions) {
    const digest = createHash('sha256').update(`${block++}:${seed}`).digest();
    for (let i = 0; i + 4 <= digest.length && values.length < dimensions; i += 4) {
      values.push(digest.readUInt32LE(i) / 0xffffffff - 0.5);
    }
  }
  const norm = Math.hypot(...values) || 1;
  // Round-trip through float32 so the float and base64 encodings carry identical numbers.
  return Array.from(new Float32Array(values.map((v) => v / norm)));
}

/** OpenAI's base64 encoding: little-endian float32 bytes. */
export function toBase64Float32(vector: number[]): string {
  const buf = Buffer.alloc(vector.length * 4);
  vector.forEach((v, i) => {
    buf.writeFloatLE(v, i * 4);
  });
  return buf.toString('base64');
}
