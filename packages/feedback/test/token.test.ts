import { describe, expect, it } from 'vitest';
import {
  encodeFeedbackToken,
  FeedbackError,
  type FeedbackTokenFields,
  MAX_TOKEN_LENGTH,
  parseFeedbackToken,
} from '../src/index.js';

const FULL: FeedbackTokenFields = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  traceFlags: 1,
  provider: 'openai',
  model: 'gpt-4o-mini-2024-07-18',
  responseId: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
  promptName: 'support-reply',
  promptVersion: '7',
  promptLabel: 'production',
};
const SECRET = 'test-secret-0123456789abcdef';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FeedbackError);
    return (err as FeedbackError).code;
  }
  return undefined;
}

/** Flips one character of the payload to another base64url character. */
function tamper(token: string, at: number): string {
  const c = token[at];
  const swap = c === 'A' ? 'B' : 'A';
  return token.slice(0, at) + swap + token.slice(at + 1);
}

describe('feedback token', () => {
  it('round-trips every field, URL-safe and short', () => {
    const token = encodeFeedbackToken(FULL);
    expect(token).toMatch(/^pf1\.[A-Za-z0-9_-]+$/);
    expect(encodeURIComponent(token)).toBe(token);
    expect(token.length).toBeLessThan(200);
    expect(parseFeedbackToken(token)).toEqual({ ...FULL, signed: false, verified: false });
  });

  it('carries only the ids when nothing else is known', () => {
    const token = encodeFeedbackToken({ traceId: FULL.traceId, spanId: FULL.spanId, traceFlags: 0 });
    expect(token.length).toBeLessThan(45);
    expect(parseFeedbackToken(token)).toEqual({
      traceId: FULL.traceId,
      spanId: FULL.spanId,
      traceFlags: 0,
      signed: false,
      verified: false,
    });
  });

  it('keeps non-ASCII prompt names', () => {
    const token = encodeFeedbackToken({ ...FULL, promptName: 'réponse-support-日本' });
    expect(parseFeedbackToken(token).promptName).toBe('réponse-support-日本');
  });

  it('leaves out a field that cannot be carried instead of failing', () => {
    const token = encodeFeedbackToken({ ...FULL, responseId: 'x'.repeat(300) });
    const parsed = parseFeedbackToken(token);
    expect(parsed.responseId).toBeUndefined();
    expect(parsed.promptVersion).toBe('7');
  });

  it('refuses to encode invalid ids', () => {
    expect(codeOf(() => encodeFeedbackToken({ ...FULL, traceId: '0'.repeat(32) }))).toBe('invalid_input');
    expect(codeOf(() => encodeFeedbackToken({ ...FULL, spanId: 'XYZ' }))).toBe('invalid_input');
  });

  it('signed: verifies with the secret, any secret of a rotation list', () => {
    const token = encodeFeedbackToken(FULL, { secret: SECRET });
    expect(token).toMatch(/^pf1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(token.length).toBeLessThan(250);
    expect(parseFeedbackToken(token, { secret: SECRET })).toEqual({ ...FULL, signed: true, verified: true });
    expect(parseFeedbackToken(token, { secret: ['new-secret-0123456789abcdef', SECRET] }).verified).toBe(true);
    // Without a secret the fields are readable, unverified.
    expect(parseFeedbackToken(token)).toMatchObject({ signed: true, verified: false, promptVersion: '7' });
  });

  it('signed: any change to the payload or signature fails with a clear error', () => {
    const token = encodeFeedbackToken(FULL, { secret: SECRET });
    const sigAt = token.lastIndexOf('.');
    for (const at of [4, 10, 30, sigAt - 3, sigAt + 3]) {
      const bad = tamper(token, at);
      try {
        parseFeedbackToken(bad, { secret: SECRET });
        expect.unreachable(`tampered token at ${at} accepted`);
      } catch (err) {
        expect(err).toBeInstanceOf(FeedbackError);
        // Tampering either breaks the structure or the signature; both are refused.
        expect(['token_signature', 'token_malformed']).toContain((err as FeedbackError).code);
      }
    }
    try {
      parseFeedbackToken(tamper(token, sigAt + 3), { secret: SECRET });
    } catch (err) {
      expect((err as Error).message).toMatch(/signature does not match/);
    }
    expect(codeOf(() => parseFeedbackToken(token, { secret: 'another-secret-0123456789' }))).toBe('token_signature');
    // A forged token for another trace, re-signed with the wrong key.
    const forged = encodeFeedbackToken({ ...FULL, traceId: 'aa'.repeat(16) }, { secret: 'attacker-secret-0123456789' });
    expect(codeOf(() => parseFeedbackToken(forged, { secret: SECRET }))).toBe('token_signature');
    // Dropping the signature does not help.
    expect(codeOf(() => parseFeedbackToken(token.slice(0, sigAt), { secret: SECRET }))).toBe('token_signature');
  });

  it('unsigned: tampering that keeps the structure changes fields (why a secret matters for browsers)', () => {
    const token = encodeFeedbackToken(FULL);
    const parsed = parseFeedbackToken(tamper(token, 10));
    expect(parsed.traceId).not.toBe(FULL.traceId);
  });

  it('refuses garbage with messages that say what is wrong', () => {
    const cases: [unknown, string, RegExp][] = [
      [undefined, 'token_malformed', /expected a string, got undefined/],
      [42, 'token_malformed', /expected a string, got number/],
      ['', 'token_malformed', /empty/],
      ['hello', 'token_malformed', /does not start with "pf1\."/],
      ['pf1.', 'token_malformed', /not base64url/],
      ['pf1.!!!!', 'token_malformed', /not base64url/],
      ['pf1.AAAA', 'token_malformed', /too short/],
      ['pf2.AAAA', 'token_version', /Unsupported feedback token version pf2/],
      [`pf1.${'A'.repeat(MAX_TOKEN_LENGTH)}`, 'token_malformed', /characters long/],
      ['pf1.a.b.c', 'token_malformed', /too many/],
    ];
    for (const [input, code, message] of cases) {
      try {
        parseFeedbackToken(input);
        expect.unreachable(`accepted ${String(input)}`);
      } catch (err) {
        expect(err).toBeInstanceOf(FeedbackError);
        expect((err as FeedbackError).code, String(input)).toBe(code);
        expect((err as Error).message).toMatch(message);
      }
    }
  });

  it('refuses all-zero ids, unknown flags, trailing bytes, bad lengths and bad UTF-8', () => {
    const head = (flags: number, traceId = FULL.traceId, spanId = FULL.spanId) => {
      const b = Buffer.alloc(26);
      b[0] = flags;
      b.write(traceId, 1, 'hex');
      b.write(spanId, 17, 'hex');
      b[25] = 1;
      return b;
    };
    const tok = (b: Buffer) => `pf1.${b.toString('base64url')}`;
    const expectMalformed = (b: Buffer, re: RegExp) => {
      expect(() => parseFeedbackToken(tok(b))).toThrow(re);
    };
    expectMalformed(head(0, '0'.repeat(32)), /trace id is all zeros/);
    expectMalformed(head(0, FULL.traceId, '0'.repeat(16)), /span id is all zeros/);
    expectMalformed(head(0x40), /unknown field flags/);
    expectMalformed(Buffer.concat([head(0), Buffer.from([1])]), /trailing bytes/);
    expectMalformed(Buffer.concat([head(1), Buffer.from([5, 0x61])]), /provider has a bad length/);
    expectMalformed(Buffer.concat([head(1)]), /ends before its provider/);
    expectMalformed(Buffer.concat([head(1), Buffer.from([2, 0xc3, 0x28])]), /not valid UTF-8/);
    expectMalformed(Buffer.concat([head(1), Buffer.from([2, 0x61, 0x0a])]), /control characters/);
    // Non-canonical base64url (bits set in the padding) is refused, so one token has one spelling.
    const canonical = tok(head(0));
    const last = canonical.at(-1) as string;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const other = alphabet[(alphabet.indexOf(last) + 1) % 64];
    expect(() => parseFeedbackToken(canonical.slice(0, -1) + other)).toThrow(/canonical/);
  });

  it('refuses short secrets', () => {
    expect(() => encodeFeedbackToken(FULL, { secret: 'short' })).toThrow(/at least 16 characters/);
  });
});
