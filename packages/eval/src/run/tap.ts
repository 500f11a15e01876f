/**
 * How a run sees its own provider spans. The SDKs are instrumented once per process with a tracer provider
 * that routes each span by the context it starts in: a run puts a {@link Sink} in the context of each call,
 * and the span goes to that sink's tracer provider (the backend) while the sink reads what the instrumentation
 * recorded on it (duration, time to first chunk, tokens, cost) when it ends. So budgets are measured from
 * the spans themselves, and concurrent runs in one process never mix their spans.
 */
import {
  type Attributes,
  type AttributeValue,
  type Context,
  context,
  type Exception,
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
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';

/** What a finished provider span recorded. */
export interface SpanRecord {
  traceId: string;
  spanId: string;
  name: string;
  attributes: Attributes;
  durationMs: number;
}

export interface Sink {
  provider: TracerProvider;
  onEnd(record: SpanRecord): void;
}

const SINK_KEY = Symbol.for('promptscope.eval.sink');
const PROBE = Symbol('promptscope.eval.probe');

/**
 * Routing needs context to follow async calls. An app (or the CLI's SDK) normally registers a context
 * manager; a run without any SDK registers the AsyncLocalStorage one itself.
 */
export function ensureContextManager(): void {
  const seen = context.with(context.active().setValue(PROBE, true), () => context.active().getValue(PROBE));
  if (seen !== true) context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}

export function withSink(ctx: Context, sink: Sink): Context {
  return ctx.setValue(SINK_KEY, sink);
}

function sinkOf(ctx: Context | undefined): Sink | undefined {
  return (ctx ?? context.active()).getValue(SINK_KEY) as Sink | undefined;
}

/** A span that forwards everything to the real one and remembers its attributes for the sink. */
class TappedSpan implements Span {
  private readonly attrs: Attributes;
  private readonly started = performance.now();
  private done = false;

  constructor(
    private readonly inner: Span,
    private readonly name: string,
    initial: Attributes | undefined,
    private readonly sink: Sink,
  ) {
    this.attrs = { ...initial };
  }

  spanContext(): SpanContext {
    return this.inner.spanContext();
  }
  setAttribute(key: string, value: AttributeValue): this {
    this.attrs[key] = value;
    this.inner.setAttribute(key, value);
    return this;
  }
  setAttributes(attributes: Attributes): this {
    Object.assign(this.attrs, attributes);
    this.inner.setAttributes(attributes);
    return this;
  }
  addEvent(name: string, a?: Attributes | TimeInput, t?: TimeInput): this {
    this.inner.addEvent(name, a, t);
    return this;
  }
  addLink(link: Link): this {
    this.inner.addLink(link);
    return this;
  }
  addLinks(links: Link[]): this {
    this.inner.addLinks(links);
    return this;
  }
  setStatus(status: SpanStatus): this {
    this.inner.setStatus(status);
    return this;
  }
  updateName(name: string): this {
    this.inner.updateName(name);
    return this;
  }
  isRecording(): boolean {
    return this.inner.isRecording();
  }
  recordException(exception: Exception, time?: TimeInput): void {
    this.inner.recordException(exception, time);
  }
  end(endTime?: TimeInput): void {
    this.inner.end(endTime);
    if (this.done) return;
    this.done = true;
    const { traceId, spanId } = this.inner.spanContext();
    try {
      this.sink.onEnd({
        traceId,
        spanId,
        name: this.name,
        attributes: this.attrs,
        durationMs: performance.now() - this.started,
      });
    } catch {
      // a sink's bug must not break the span's end
    }
  }
}

class RoutingTracer implements Tracer {
  constructor(
    private readonly name: string,
    private readonly version: string | undefined,
  ) {}

  private tracerFor(sink: Sink | undefined): Tracer {
    return (sink?.provider ?? trace.getTracerProvider()).getTracer(this.name, this.version);
  }

  startSpan(name: string, options?: SpanOptions, ctx?: Context): Span {
    const sink = sinkOf(ctx);
    const span = this.tracerFor(sink).startSpan(name, options, ctx);
    return sink === undefined ? span : new TappedSpan(span, name, options?.attributes, sink);
  }

  // biome-ignore lint/suspicious/noExplicitAny: the overloads of Tracer.startActiveSpan
  startActiveSpan(name: string, ...rest: any[]): any {
    const fn = rest.pop() as (span: Span) => unknown;
    const [options, ctx] = rest as [SpanOptions | undefined, Context | undefined];
    const parent = ctx ?? context.active();
    const span = this.startSpan(name, options, parent);
    return context.with(trace.setSpan(parent, span), fn, undefined, span);
  }
}

/** The tracer provider the engine instruments the SDKs with. */
export const routingTracerProvider: TracerProvider = {
  getTracer: (name, version) => new RoutingTracer(name, version),
};
