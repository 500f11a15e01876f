/**
 * How promptscope gets hold of the AI SDK's own spans, and how core's Operation writes onto them.
 *
 * - {@link CapturingTracer} is the tracer `@ai-sdk/otel`'s `OpenTelemetry` integration is built with: it
 *   passes every call through and remembers the span started last, so the integration's callback that
 *   just started a model-call span lets us pick that span up synchronously, before anything can end it.
 * - {@link adoptingTracerProvider} is the tracer provider of promptscope's core `Telemetry` here: the one
 *   span its `Operation` "starts" is the adopted AI SDK span, behind an {@link AdoptedSpan} whose `end()`
 *   does nothing, since `@ai-sdk/otel` ends its span itself. So one span per model call, enriched by core.
 */
import {
  type Attributes,
  type AttributeValue,
  type Context,
  type Exception,
  INVALID_SPAN_CONTEXT,
  type Link,
  type Span,
  type SpanContext,
  type SpanOptions,
  type SpanStatus,
  type TimeInput,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { ATTR } from '@promptscope/core/provider';

export class CapturingTracer implements Tracer {
  /** The span most recently started through this tracer (cleared by {@link take}). */
  private last: Span | undefined;

  constructor(private readonly inner: () => Tracer) {}

  /** Runs `fn` and returns the span it started through this tracer, if it started one. */
  capture(fn: () => void): Span | undefined {
    this.last = undefined;
    fn();
    const span = this.last;
    this.last = undefined;
    return span;
  }

  startSpan(name: string, options?: SpanOptions, ctx?: Context): Span {
    const span = this.inner().startSpan(name, options, ctx);
    this.last = span;
    return span;
  }

  // The integration starts its spans with startSpan; this is here for the interface, passed through as is.
  startActiveSpan: Tracer['startActiveSpan'] = ((...args: Parameters<Tracer['startActiveSpan']>) =>
    // biome-ignore lint/suspicious/noExplicitAny: the overloads are forwarded unchanged
    (this.inner().startActiveSpan as any)(...args)) as Tracer['startActiveSpan'];
}

/** What the AI SDK already sets on its model-call spans: core's start attributes must not overwrite them. */
const THEIRS = new Set<string>([ATTR.OPERATION_NAME, ATTR.PROVIDER_NAME, ATTR.REQUEST_MODEL]);

/**
 * A view of the AI SDK's span for core's Operation: writes pass through; `end()` only stops further
 * writes (the owner ends the span); `updateName` is ignored (the span keeps the AI SDK's name).
 */
export class AdoptedSpan implements Span {
  private done = false;

  constructor(readonly target: Span) {}

  spanContext(): SpanContext {
    return this.target.spanContext();
  }
  setAttribute(key: string, value: AttributeValue): this {
    if (!this.done) this.target.setAttribute(key, value);
    return this;
  }
  setAttributes(attributes: Attributes): this {
    if (!this.done) this.target.setAttributes(attributes);
    return this;
  }
  addEvent(name: string, attributesOrStartTime?: Attributes | TimeInput, startTime?: TimeInput): this {
    if (!this.done) this.target.addEvent(name, attributesOrStartTime, startTime);
    return this;
  }
  addLink(link: Link): this {
    if (!this.done) this.target.addLink(link);
    return this;
  }
  addLinks(links: Link[]): this {
    if (!this.done) this.target.addLinks(links);
    return this;
  }
  setStatus(status: SpanStatus): this {
    if (!this.done) this.target.setStatus(status);
    return this;
  }
  updateName(): this {
    return this;
  }
  end(): void {
    this.done = true;
  }
  isRecording(): boolean {
    return !this.done && this.target.isRecording();
  }
  recordException(exception: Exception, time?: TimeInput): void {
    if (!this.done) this.target.recordException(exception, time);
  }
}

/**
 * A tracer provider whose tracer hands out the span given to {@link adopting} instead of starting one.
 * Outside `adopting` (or when there is no span to adopt) it returns a non-recording span: the Operation
 * still measures and records metrics, and writes nowhere.
 */
export function adoptingTracerProvider(): {
  provider: TracerProvider;
  adopting<T>(span: Span | undefined, fn: () => T): T;
} {
  let pending: Span | undefined;
  const tracer: Tracer = {
    startSpan(_name: string, options?: SpanOptions): Span {
      const target = pending;
      pending = undefined;
      if (target === undefined) return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
      const attributes = options?.attributes;
      if (attributes !== undefined) {
        for (const [key, value] of Object.entries(attributes)) {
          if (value !== undefined && !THEIRS.has(key)) target.setAttribute(key, value);
        }
      }
      return new AdoptedSpan(target);
    },
    startActiveSpan(): never {
      throw new Error('promptscope: the adopting tracer only serves Operation.startSpan');
    },
  } as Tracer;
  return {
    provider: { getTracer: () => tracer },
    adopting(span, fn) {
      pending = span;
      try {
        return fn();
      } finally {
        pending = undefined;
      }
    },
  };
}
