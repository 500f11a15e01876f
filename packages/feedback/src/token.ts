/**
 * The feedback token: which completion a piece of feedback is about, as one short URL-safe string that
 * can travel to a browser and back.
 *
 *   pf1.<payload>[.<signature>]
 *
 * `payload` is base64url (no padding) of a packed binary record:
 *
 *   byte 0        field flags: bit 0 provider, 1 model, 2 response id, 3 prompt name, 4 prompt version,
 *                 5 prompt label (bits 6 and 7 reserved, must be 0)
 *   bytes 1-16    trace id
 *   bytes 17-24   span id (the completion span)
 *   byte 25       W3C trace flags
 *   then          for each flag set, in bit order: 1 length byte (1-255) + that many UTF-8 bytes
 *
 * `signature`, present when a secret is configured, is base64url of the first 16 bytes of
 * HMAC-SHA256(secret, "pf1.<payload>"). A typical token is 150-200 characters.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { diag } from '@opentelemetry/api';
import { FeedbackError } from './errors.js';

/** What a token says about a completion. */
export interface FeedbackTokenFields {
  /** 32 lowercase hex characters. */
  traceId: string;
  /** The completion span, 16 lowercase hex characters. */
  spanId: string;
  /** W3C trace flags of the completion span (1 = sampled). */
  traceFlags: number;
  provider?: string;
  model?: string;
  responseId?: string;
  promptName?: string;
  promptVersion?: string;
  promptLabel?: string;
}

/** A parsed token: its fields, and whether it carried a signature that was checked. */
export interface ParsedFeedbackToken extends FeedbackTokenFields {
  /** The token carries a signature. */
  signed: boolean;
  /** The signature was checked against a configured secret and matched. */
  verified: boolean;
}

/** One secret, or several during a rotation: the first signs, any of them verifies. */
export type FeedbackSecret = string | readonly string[];

export const TOKEN_PREFIX = 'pf1.';
/** Longer input is refused before any decoding. */
export const MAX_TOKEN_LENGTH = 1024;
export const MIN_SECRET_LENGTH = 16;
const SIGNATURE_BYTES = 16;
const SIGNATURE_CHARS = 22; // base64url of 16 bytes, unpadded
const FIXED_BYTES = 26;
const MAX_STRING_BYTES = 255;

const STRING_FIELDS = ['provider', 'model', 'responseId', 'promptName', 'promptVersion', 'promptLabel'] as const;
type StringField = (typeof STRING_FIELDS)[number];

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function malformed(why: string): FeedbackError {
  return new FeedbackError(
    'token_malformed',
    `Invalid feedback token: ${why}. Pass the token string exactly as feedbackToken() returned it (it looks like "pf1.…").`,
  );
}

/** Checks a configured secret (or list) and returns the list, first one signing. */
export function secretList(secret: FeedbackSecret | undefined, origin = 'secret'): readonly string[] | undefined {
  if (secret === undefined) return undefined;
  const list = typeof secret === 'string' ? [secret] : secret;
  if (!Array.isArray(list) || list.length === 0) {
    throw new FeedbackError('invalid_input', `${origin}: expected a string or a non-empty array of strings.`);
  }
  for (const s of list) {
    if (typeof s !== 'string' || s.length < MIN_SECRET_LENGTH) {
      throw new FeedbackError(
        'invalid_input',
        `${origin}: a feedback secret must be a string of at least ${MIN_SECRET_LENGTH} characters (use e.g. \`openssl rand -base64 32\`).`,
      );
    }
  }
  return list;
}

function sign(secret: string, signedPart: string): Buffer {
  return createHmac('sha256', secret).update(signedPart).digest().subarray(0, SIGNATURE_BYTES);
}

function allZero(buf: Uint8Array): boolean {
  for (const b of buf) if (b !== 0) return false;
  return true;
}

/**
 * Packs `fields` into a token. Throws a {@link FeedbackError} when the ids are not valid W3C ids; a string
 * field that cannot be carried (longer than 255 UTF-8 bytes, or with control characters) is left out,
 * with a diagnostic warning.
 */
export function encodeFeedbackToken(fields: FeedbackTokenFields, options: { secret?: FeedbackSecret } = {}): string {
  const secrets = secretList(options.secret);
  if (typeof fields?.traceId !== 'string' || !HEX32.test(fields.traceId) || /^0+$/.test(fields.traceId)) {
    throw new FeedbackError(
      'invalid_input',
      'encodeFeedbackToken: traceId must be 32 lowercase hex characters, not all zero.',
    );
  }
  if (typeof fields.spanId !== 'string' || !HEX16.test(fields.spanId) || /^0+$/.test(fields.spanId)) {
    throw new FeedbackError(
      'invalid_input',
      'encodeFeedbackToken: spanId must be 16 lowercase hex characters, not all zero.',
    );
  }
  const traceFlags = fields.traceFlags ?? 0;
  if (!Number.isInteger(traceFlags) || traceFlags < 0 || traceFlags > 255) {
    throw new FeedbackError('invalid_input', 'encodeFeedbackToken: traceFlags must be an integer from 0 to 255.');
  }
  let flags = 0;
  const parts: Buffer[] = [];
  STRING_FIELDS.forEach((key, bit) => {
    const value = fields[key];
    if (value === undefined || value === '') return;
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : undefined;
    if (bytes === undefined || bytes.length > MAX_STRING_BYTES || CONTROL.test(value)) {
      diag.warn(
        `@promptscope/feedback: ${key} left out of the feedback token (not a string of at most ${MAX_STRING_BYTES} UTF-8 bytes without control characters).`,
      );
      return;
    }
    flags |= 1 << bit;
    parts.push(Buffer.from([bytes.length]), bytes);
  });
  const head = Buffer.alloc(FIXED_BYTES);
  head[0] = flags;
  head.write(fields.traceId, 1, 'hex');
  head.write(fields.spanId, 17, 'hex');
  head[25] = traceFlags;
  const unsigned = TOKEN_PREFIX + Buffer.concat([head, ...parts]).toString('base64url');
  if (secrets === undefined) return unsigned;
  return `${unsigned}.${sign(secrets[0], unsigned).toString('base64url')}`;
}

/**
 * Parses and validates a token strictly. With `secret`, the token must carry a signature made with it (or
 * with any of the listed secrets). Without one, a signed token still parses (`signed: true, verified: false`).
 * Throws a {@link FeedbackError} (`token_malformed`, `token_version` or `token_signature`) saying what is wrong.
 */
export function parseFeedbackToken(token: unknown, options: { secret?: FeedbackSecret } = {}): ParsedFeedbackToken {
  const secrets = secretList(options.secret);
  if (typeof token !== 'string') throw malformed(`expected a string, got ${token === null ? 'null' : typeof token}`);
  if (token.length === 0) throw malformed('it is empty');
  if (token.length > MAX_TOKEN_LENGTH)
    throw malformed(`it is ${token.length} characters long (at most ${MAX_TOKEN_LENGTH})`);
  const pieces = token.split('.');
  const version = /^pf(\d{1,3})$/.exec(pieces[0]);
  if (version === null || pieces.length < 2) throw malformed('it does not start with "pf1."');
  if (version[1] !== '1') {
    throw new FeedbackError(
      'token_version',
      `Unsupported feedback token version pf${version[1]}: this @promptscope/feedback reads pf1 tokens only. Upgrade the package in this process to the version that made the token.`,
    );
  }
  if (pieces.length > 3) throw malformed('it has too many "." separated parts');
  const [, payload, signature] = pieces;
  if (!BASE64URL.test(payload)) throw malformed('its payload is not base64url');
  const bytes = Buffer.from(payload, 'base64url');
  if (bytes.toString('base64url') !== payload) throw malformed('its payload is not canonical base64url');
  const fields = unpack(bytes);

  if (signature !== undefined && (signature.length !== SIGNATURE_CHARS || !BASE64URL.test(signature))) {
    throw malformed(`its signature part is not ${SIGNATURE_CHARS} base64url characters`);
  }
  let verified = false;
  if (secrets !== undefined) {
    if (signature === undefined) {
      throw new FeedbackError(
        'token_signature',
        'Unsigned feedback token, but this process has a feedback secret configured: only tokens signed with it are accepted. Make tokens in a process with the same secret (PROMPTSCOPE_FEEDBACK_SECRET or the `secret` option).',
      );
    }
    const given = Buffer.from(signature, 'base64url');
    const signedPart = `${pieces[0]}.${payload}`;
    verified = secrets.some((s) => {
      const expected = sign(s, signedPart);
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
    if (!verified) {
      throw new FeedbackError(
        'token_signature',
        'Feedback token signature does not match: the token was altered, or made with a different secret. Check that the process making tokens and this one share PROMPTSCOPE_FEEDBACK_SECRET (during a rotation, configure both secrets as a list).',
      );
    }
  }
  return { ...fields, signed: signature !== undefined, verified };
}

function unpack(bytes: Buffer): FeedbackTokenFields {
  if (bytes.length < FIXED_BYTES) throw malformed('it is too short to hold the trace and span ids');
  const flags = bytes[0];
  if (flags >= 1 << STRING_FIELDS.length) throw malformed('it sets unknown field flags');
  const traceIdBytes = bytes.subarray(1, 17);
  const spanIdBytes = bytes.subarray(17, 25);
  if (allZero(traceIdBytes)) throw malformed('its trace id is all zeros');
  if (allZero(spanIdBytes)) throw malformed('its span id is all zeros');
  const fields: FeedbackTokenFields = {
    traceId: traceIdBytes.toString('hex'),
    spanId: spanIdBytes.toString('hex'),
    traceFlags: bytes[25],
  };
  let at = FIXED_BYTES;
  STRING_FIELDS.forEach((key: StringField, bit) => {
    if ((flags & (1 << bit)) === 0) return;
    if (at >= bytes.length) throw malformed(`it ends before its ${key}`);
    const len = bytes[at];
    at += 1;
    if (len === 0 || at + len > bytes.length) throw malformed(`its ${key} has a bad length`);
    let value: string;
    try {
      value = utf8.decode(bytes.subarray(at, at + len));
    } catch {
      throw malformed(`its ${key} is not valid UTF-8`);
    }
    if (CONTROL.test(value)) throw malformed(`its ${key} contains control characters`);
    fields[key] = value;
    at += len;
  });
  if (at !== bytes.length) throw malformed('it has trailing bytes');
  return fields;
}
