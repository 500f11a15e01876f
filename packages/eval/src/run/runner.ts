/**
 * One execution: a version rendered with a case's variables, sent through the real SDK (or answered from
 * the cache), its measurements read from the provider span the instrumentation recorded, and the case's
 * assertions run on the output. Each execution is one traced span, `test <case>` (`replay <input>`), carrying the test.*
 * attributes and a link to the production span the case came from; the provider span beneath it carries
 * them too. `promptscope test` feeds it bank cases; replay feeds it captured production inputs.
 */
import {
  type Attributes,
  context,
  isSpanContextValid,
  type Link,
  SpanKind,
  SpanStatusCode,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { withPrompt } from '@promptscope/core';
import { ATTR, setRunAttributes } from '@promptscope/core/provider';
import { evaluateAssertion, type Grader, type Observed, runPasses } from '../assert/evaluate.js';
import { DEFAULT_JUDGE, type JudgeSettings, judgeRequest } from '../assert/judge.js';
import type { Assertion, AssertionResult } from '../assert/types.js';
import type { CaseSource, Vars } from '../bank/model.js';
import { describeError, InfraError } from '../errors.js';
import type { RunRecord } from '../report/types.js';
import { cacheKey, type ResponseCache } from './cache.js';
import { type ChatRequest, type ChatResult, Providers } from './providers.js';
import { RateGate, type RetryOptions, withRetries } from './retry.js';
import { ensureContextManager, type SpanRecord, withSink } from './tap.js';
import { chatRequest, type Target } from './target.js';

const SCOPE = '@promptscope/eval';
export const DEFAULT_EMBEDDING_MODEL = 'text-embedding-3-small';
const HEX_TRACE = /^[0-9a-f]{32}$/;
const HEX_SPAN = /^[0-9a-f]{16}$/;

export interface RunnerOptions {
  /** Where the run's spans go. Default: the global tracer provider (the OTEL_* exporters). */
  tracerProvider?: TracerProvider;
  env?: Record<string, string | undefined>;
  captureContent?: boolean;
  cache: ResponseCache;
  gate?: RateGate;
  retry?: RetryOptions;
  judge?: JudgeSettings;
  embeddingModel?: string;
  /** test.suite.name */
  suite: string;
  /** test.suite.run.id */
  runId: string;
  /** promptscope.run.kind */
  kind: 'test' | 'replay';
}

/** One input to execute: what a bank case (or a captured production input) gives. */
export interface Execution {
  target: Target;
  caseId: string;
  vars: Vars;
  expected?: string;
  assert: Assertion[];
  threshold?: number;
  source?: CaseSource;
  repeat: number;
  /** Folder that `javascript` assertion paths are relative to. */
  baseDir: string;
  /** Send this request instead of rendering the target with `vars` (replay re-sending recorded messages). */
  request?: ChatRequest;
}

/** What a case's assertions concluded on one output. */
export interface Assessment {
  assertions: AssertionResult[];
  status: 'pass' | 'fail' | 'error';
  /** A grading model could not be used. */
  error?: string;
  infra?: boolean;
}

/** What a provider call measured, from its span (or, for a cached answer, from the original call's). */
interface Measured {
  latencyMs?: number;
  ttftMs?: number;
  tokens?: { input?: number; output?: number };
  costUsd?: number | null;
}

interface CachedChat {
  result: ChatResult;
  measured: Measured;
}

function measuredFrom(span: SpanRecord | undefined): Measured {
  if (span === undefined) return {};
  const a = span.attributes;
  const num = (k: string) => (typeof a[k] === 'number' ? (a[k] as number) : undefined);
  const out: Measured = { latencyMs: span.durationMs };
  const ttft = num(ATTR.RESPONSE_TIME_TO_FIRST_CHUNK);
  if (ttft !== undefined) out.ttftMs = ttft * 1000;
  const input = num(ATTR.USAGE_INPUT_TOKENS);
  const output = num(ATTR.USAGE_OUTPUT_TOKENS);
  if (input !== undefined || output !== undefined)
    out.tokens = { ...(input !== undefined ? { input } : {}), ...(output !== undefined ? { output } : {}) };
  out.costUsd = num(ATTR.COST_USD) ?? null;
  return out;
}

/** A grading call that fails is the setup's problem (model name, key, outage), never the output's. */
async function asInfra<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw err instanceof InfraError ? err : new InfraError(`${what}: ${describeError(err)}`, { cause: err });
  }
}

export class Runner {
  readonly providers: Providers;
  readonly gate: RateGate;
  private readonly tracerProvider: TracerProvider;
  private readonly judge: JudgeSettings;
  private readonly embeddingModel: string;

  constructor(private readonly opts: RunnerOptions) {
    ensureContextManager();
    this.tracerProvider = opts.tracerProvider ?? trace.getTracerProvider();
    this.gate = opts.gate ?? new RateGate();
    this.judge = opts.judge ?? DEFAULT_JUDGE;
    this.embeddingModel = opts.embeddingModel ?? DEFAULT_EMBEDDING_MODEL;
    this.providers = new Providers({
      ...(opts.env !== undefined ? { env: opts.env } : {}),
      ...(opts.captureContent !== undefined ? { captureContent: opts.captureContent } : {}),
    });
  }

  close(): void {
    this.providers.close();
  }

  /** A provider call through the cache and the retry loop, its spans routed to the run's backend. */
  async cachedChat(req: ChatRequest, repeat: number, kind: string): Promise<CachedChat & { cached: boolean }> {
    const key = cacheKey({
      v: 1,
      kind,
      provider: req.provider,
      model: req.model,
      params: req.params,
      stream: req.stream,
      messages: req.messages,
      repeat,
    });
    const hit = await this.opts.cache.get<CachedChat>(key);
    if (hit !== undefined) return { ...hit, cached: true };
    let last: SpanRecord | undefined;
    const ctx = withSink(context.active(), {
      provider: this.tracerProvider,
      onEnd: (s) => {
        last = s;
      },
    });
    const result = await withRetries(
      () => context.with(ctx, () => this.providers.chat(req)),
      this.gate,
      this.opts.retry,
    );
    await new Promise((r) => setImmediate(r)); // a stream's span ends as its iterator finishes
    if (last === undefined) {
      throw new InfraError(
        'no provider span was recorded for the call: the SDK is already instrumented by another promptscope instrumentation in this process (the register hook?); run the tests in their own process',
      );
    }
    const entry: CachedChat = { result, measured: measuredFrom(last) };
    await this.opts.cache.set(key, entry);
    return { ...entry, cached: false };
  }

  /** Embeddings (similar, replay's --similarity embeddings) through the cache and the retry loop. */
  embed(texts: string[]): Promise<number[][]> {
    return asInfra('the embedding model', async () => {
      const key = cacheKey({ v: 1, kind: 'embed', model: this.embeddingModel, texts });
      const hit = await this.opts.cache.get<number[][]>(key);
      if (hit !== undefined) return hit;
      const ctx = withSink(context.active(), { provider: this.tracerProvider, onEnd: () => {} });
      const vectors = await withRetries(
        () => context.with(ctx, () => this.providers.embed(this.embeddingModel, texts)),
        this.gate,
        this.opts.retry,
      );
      await this.opts.cache.set(key, vectors);
      return vectors;
    });
  }

  private grader(e: Execution, output: string): Grader {
    return {
      baseDir: e.baseDir,
      judge: (rubric) =>
        asInfra('the judge', async () => {
          const r = await this.cachedChat(judgeRequest(this.judge, rubric, output), e.repeat, 'judge');
          return r.result.output;
        }),
      embed: (texts) => this.embed(texts),
    };
  }

  /** Runs `e`'s assertions on an output that was not produced by this run (replay's recorded baseline). */
  async assess(e: Execution, observed: Observed): Promise<Assessment> {
    const out: Assessment = { assertions: [], status: 'error' };
    const grader = this.grader(e, observed.output);
    try {
      for (const a of e.assert) out.assertions.push(await evaluateAssertion(a, observed, grader));
    } catch (err) {
      out.error = `a grading model could not be used: ${describeError(err)}`;
      out.infra = true;
      return out;
    }
    out.status = runPasses(out.assertions, e.threshold)
      ? 'pass'
      : out.assertions.some((r) => r.error)
        ? 'error'
        : 'fail';
    return out;
  }

  /** Runs one execution; never throws (errors are in the record). */
  async execute(e: Execution): Promise<RunRecord> {
    const o = this.opts;
    const t = e.target;
    const runAttrs: Attributes = {
      [ATTR.TEST_SUITE_NAME]: o.suite,
      [ATTR.TEST_SUITE_RUN_ID]: o.runId,
      [ATTR.TEST_CASE_NAME]: e.caseId,
      [ATTR.RUN_KIND]: o.kind,
      [ATTR.TEST_REPEAT]: e.repeat,
    };
    const links: Link[] = [];
    const src = e.source;
    if (
      src?.traceId !== undefined &&
      src.spanId !== undefined &&
      HEX_TRACE.test(src.traceId) &&
      HEX_SPAN.test(src.spanId)
    ) {
      links.push({ context: { traceId: src.traceId, spanId: src.spanId, traceFlags: 1, isRemote: true } });
    }
    const span = this.tracerProvider.getTracer(SCOPE).startSpan(`${o.kind} ${e.caseId}`, {
      kind: SpanKind.INTERNAL,
      attributes: {
        ...runAttrs,
        [ATTR.PROMPT_NAME]: t.prompt,
        [ATTR.PROMPT_VERSION]: String(t.version),
        [ATTR.PROMPT_SHA256]: t.sha256,
        [ATTR.REQUEST_MODEL]: t.model,
      },
      links,
    });
    const sc = span.spanContext();
    const record: RunRecord = { repeat: e.repeat, status: 'error', cached: false, assertions: [] };
    if (isSpanContextValid(sc)) Object.assign(record, { traceId: sc.traceId, spanId: sc.spanId });
    const ctx = setRunAttributes(trace.setSpan(context.active(), span), runAttrs);
    try {
      await context.with(ctx, async () => {
        let req: ChatRequest;
        try {
          req = e.request ?? chatRequest(t, e.vars);
        } catch (err) {
          record.error = `cannot render: ${describeError(err)}`;
          return;
        }
        let answer: CachedChat & { cached: boolean };
        try {
          const ref = {
            name: t.prompt,
            version: String(t.version),
            sha256: t.sha256,
            source: o.kind,
            variables: e.vars,
          };
          answer = await withPrompt(ref, () => this.cachedChat(req, e.repeat, 'chat'));
        } catch (err) {
          record.error = describeError(err);
          record.infra = true;
          return;
        }
        const { result, measured } = answer;
        record.cached = answer.cached;
        record.output = result.output;
        if (result.finishReason !== undefined) record.finishReason = result.finishReason;
        Object.assign(record, measured);
        if (answer.cached) span.setAttribute(ATTR.TEST_CACHE_HIT, true);
        const observed = {
          output: result.output,
          ...(e.expected !== undefined ? { expected: e.expected } : {}),
          ...(measured.latencyMs !== undefined ? { latencyMs: measured.latencyMs } : {}),
          costUsd: measured.costUsd ?? null,
          ...(result.finishReason !== undefined ? { finishReason: result.finishReason } : {}),
          vars: e.vars,
          caseId: e.caseId,
        };
        const assessed = await this.assess(e, observed);
        record.assertions = assessed.assertions;
        record.status = assessed.status;
        if (assessed.error !== undefined) {
          record.error = assessed.error;
          record.infra = true;
        }
      });
    } finally {
      span.setAttribute(ATTR.TEST_CASE_RESULT_STATUS, record.status === 'pass' ? 'pass' : 'fail');
      if (record.status !== 'pass') {
        const why =
          record.error ??
          record.assertions
            .filter((r) => !r.pass)
            .map((r) => `${r.type}: ${r.error ?? r.reason}`)
            .join('; ');
        span.setStatus({ code: SpanStatusCode.ERROR, message: why.slice(0, 500) });
      }
      span.end();
    }
    return record;
  }
}
