import { describe, expect, it } from 'vitest';
import { contentJson, serializeContent } from '../src/content.js';

describe('serializeContent', () => {
  it('leaves content within budget untouched', () => {
    const value = [{ role: 'user', parts: [{ type: 'text', content: 'hi' }] }];
    expect(serializeContent(value, 1000)).toEqual({ json: JSON.stringify(value), truncated: false });
  });

  it('shortens long strings and always returns valid JSON within the budget', () => {
    const big = 'x'.repeat(1_000_000);
    const value = [
      { role: 'user', parts: [{ type: 'text', content: big }] },
      { role: 'user', parts: [{ type: 'text', content: 'tail' }] },
    ];
    const out = serializeContent(value, 2048);
    expect(out.truncated).toBe(true);
    expect(Buffer.byteLength(out.json)).toBeLessThanOrEqual(2048);
    const parsed = JSON.parse(out.json);
    expect(parsed[0].parts[0].content).toMatch(/…\[truncated\]$/);
    expect(parsed[1].parts[0].content).toBe('tail');
  });

  it('counts bytes, not characters, for multi-byte text', () => {
    const out = serializeContent([{ text: '€'.repeat(5000) }], 1000);
    expect(Buffer.byteLength(out.json)).toBeLessThanOrEqual(1000);
    expect(() => JSON.parse(out.json)).not.toThrow();
  });

  it('drops trailing items when shortening strings is not enough', () => {
    const many = Array.from({ length: 500 }, (_, i) => ({ role: 'user', parts: [{ type: 'text', content: `m${i}` }] }));
    const out = serializeContent(many, 300);
    expect(Buffer.byteLength(out.json)).toBeLessThanOrEqual(300);
    const parsed = JSON.parse(out.json);
    expect(parsed.length).toBeGreaterThan(0);
    expect(parsed.length).toBeLessThan(500);
  });

  it('describes binary data instead of dumping it', () => {
    const out = serializeContent({ data: new Uint8Array(10_000), buf: Buffer.alloc(3) }, 10_000);
    expect(JSON.parse(out.json)).toEqual({ data: '[binary 10000 bytes]', buf: '[binary 3 bytes]' });
  });

  it('survives values JSON cannot represent', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(serializeContent(circular, 100)).toEqual({ json: '"[unserializable content]"', truncated: true });
    expect(JSON.parse(serializeContent({ n: 10n }, 100).json)).toEqual({ n: '10' });
  });
});

describe('content JSON (the hand-written fast path)', () => {
  // A deterministic generator of plain data with the awkward parts JSON cares about.
  function rng(seed: number) {
    let x = seed;
    return () => {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      return x / 2 ** 31;
    };
  }
  const STRINGS = [
    '',
    'hi',
    'say "hello"',
    'back\\slash',
    'tab\there',
    'nl\n',
    '\u0000\u001f',
    'é ü 漢字',
    '😀',
    '\ud800 lone',
    'x\udfff',
    '\u2028\u2029',
    '{"0":1}',
  ];
  const NUMBERS = [0, -0, 1, -1.5, 1e21, 1e-7, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER];
  function value(r: () => number, depth: number): unknown {
    const k = Math.floor(r() * (depth > 4 ? 5 : 8));
    if (k === 0) return STRINGS[Math.floor(r() * STRINGS.length)];
    if (k === 1) return NUMBERS[Math.floor(r() * NUMBERS.length)];
    if (k === 2) return r() < 0.5;
    if (k === 3) return null;
    if (k === 4) return r() < 0.5 ? undefined : () => 1;
    if (k === 5) return Array.from({ length: Math.floor(r() * 4) }, () => value(r, depth + 1));
    const o: Record<string, unknown> = k === 7 ? Object.create(null) : {};
    for (let i = 0; i < Math.floor(r() * 4); i++)
      o[STRINGS[Math.floor(r() * STRINGS.length)] || `k${i}`] = value(r, depth + 1);
    return o;
  }

  it('writes exactly what JSON.stringify writes, for 5000 generated values', () => {
    const r = rng(42);
    for (let i = 0; i < 5000; i++) {
      const v = value(r, 0);
      expect(contentJson(v), JSON.stringify(v)).toBe(JSON.stringify(v));
    }
  });

  it('leaves everything that is not plain data to JSON.stringify and its binary placeholders', () => {
    const date = new Date(0);
    expect(contentJson([{ at: date }])).toBe(JSON.stringify([{ at: date }]));
    expect(contentJson({ toJSON: () => 'mine' })).toBe('"mine"');
    expect(contentJson([{ data: new Uint8Array([1, 2, 3]) }])).toBe('[{"data":"[binary 3 bytes]"}]');
    expect(contentJson([{ data: Buffer.from('abcd') }])).toBe('[{"data":"[binary 4 bytes]"}]');
    expect(contentJson({ n: 10n })).toBe('{"n":"10"}');
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(contentJson(deep)).toBe(JSON.stringify(deep));
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    expect(contentJson(cycle)).toBeUndefined();
  });
});
