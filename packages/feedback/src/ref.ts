import { isSpanContextValid, trace } from '@opentelemetry/api';
import { type CompletionRef, completionOf, getPrompt } from '@promptscope/core';
import { FeedbackError } from './errors.js';
import { type FeedbackTokenFields, type ParsedFeedbackToken, parseFeedbackToken, secretList } from './token.js';
import { SECRET_ENV } from './types.js';

/** The secrets an instance signs and verifies with: `explicitSecret`, else {@link SECRET_ENV} as it is now. */
export function secretsFrom(explicitSecret: readonly string[] | undefined): () => readonly string[] | undefined {
  let envCache: { raw: string | undefined; list: readonly string[] | undefined } | undefined;
  return () => {
    if (explicitSecret !== undefined) return explicitSecret;
    const raw = process.env[SECRET_ENV] || undefined;
    if (envCache === undefined || envCache.raw !== raw) {
      const parts = raw
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      envCache = { raw, list: parts === undefined || parts.length === 0 ? undefined : secretList(parts, SECRET_ENV) };
    }
    return envCache.list;
  };
}

export function parseWithSecrets(token: string, list: readonly string[] | undefined): ParsedFeedbackToken {
  const parsed = parseFeedbackToken(token, { secret: list });
  if (list === undefined && parsed.signed) {
    throw new FeedbackError(
      'token_signature',
      `This feedback token is signed, but this process has no secret to verify it. Set ${SECRET_ENV} (or the \`secret\` option) to the secret of the process that made the token.`,
    );
  }
  return parsed;
}

export function completionFields(args: [] | [unknown]): FeedbackTokenFields | undefined {
  if (args.length === 0) {
    const ctx = trace.getActiveSpan()?.spanContext();
    if (ctx === undefined || !isSpanContextValid(ctx)) return undefined;
    const prompt = getPrompt();
    const fields: FeedbackTokenFields = { traceId: ctx.traceId, spanId: ctx.spanId, traceFlags: ctx.traceFlags };
    if (prompt !== undefined) {
      fields.promptName = prompt.name;
      fields.promptVersion = prompt.version;
      if (prompt.label !== undefined) fields.promptLabel = prompt.label;
    }
    return fields;
  }
  return completionOf(args[0]) ?? asRef(args[0]);
}

/** A `CompletionRef` (or the same shape) passed directly. */
function asRef(value: unknown): FeedbackTokenFields | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as Partial<CompletionRef>;
  if (typeof v.traceId !== 'string' || typeof v.spanId !== 'string') return undefined;
  const { traceId, spanId, traceFlags, provider, model, responseId, promptName, promptVersion, promptLabel } = v;
  return {
    traceId,
    spanId,
    traceFlags: traceFlags ?? 0,
    provider,
    model,
    responseId,
    promptName,
    promptVersion,
    promptLabel,
  };
}
