import { describe, expect, it } from 'vitest';
import { serializeContent } from '../src/content.js';

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
