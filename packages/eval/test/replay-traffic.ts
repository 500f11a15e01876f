/**
 * A day of production traffic for the replay tests: the prompt client at `production` (v1), the real openai
 * SDK instrumented with content capture on (six tickets) and off (two), the fake provider scripted with the
 * production answer, its delay and its token counts, and the OTel SDK exporting OTLP/JSON one request per
 * line: the collector's replay file.
 */
import { writeFile } from 'node:fs/promises';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { instrument } from '@promptscope/instrumentation-openai';
import { createPromptClient } from '@promptscope/prompts';
import type { FakeProvider } from '@promptscope/testing';
import { startOtlpReceiver } from '@promptscope/testing';
import OpenAIv4 from 'openai-v4';
import OpenAIv5 from 'openai-v5';
import { BAD, GOOD, PROMPT, scriptByVersion, type Workspace } from './helpers.js';

export const PRODUCTION_DELAY_MS = 40;
export const PRODUCTION_USAGE = { prompt_tokens: 100, completion_tokens: 20 };
/** Tickets recorded with content: their variables are what the replay renders. */
export const CAPTURED = [1, 2, 3, 4, 5, 6];
export const UNCAPTURED = [7, 8];
export const question = (ticket: number) => `Question number ${ticket}: I was charged twice`;

/** The bank: "refund" on every input; ticket 3's own case asks for what only v2 says. */
export const REPLAY_BANK = `prompt: support-reply
defaults:
  assert: [{ type: icontains, value: refund }]
cases:
  - id: ticket-3
    vars: { ticket: 3, question: "${question(3)}" }
    assert: [{ type: icontains, value: "ticket 3 handled" }]
`;
export const CANDIDATE_DELAY_MS = 120;
export const CANDIDATE_USAGE = { input: 100, output: 40 };

/** v2 loses "refund" on tickets 1 and 2 and handles ticket 3 as its case asks: 2 regressed, 1 improved, 3 unchanged. */
export function scriptV2(fake: FakeProvider): void {
  scriptByVersion(fake, (v, ticket) => ({
    content: v !== 2 ? GOOD : ticket === 1 || ticket === 2 ? BAD : ticket === 3 ? `${GOOD} (ticket 3 handled)` : GOOD,
    responseDelayMs: CANDIDATE_DELAY_MS,
    firstChunkDelayMs: CANDIDATE_DELAY_MS,
    usage: CANDIDATE_USAGE,
  }));
}

export interface Traffic {
  file: string;
  /** ticket → the production completion's span (captured tickets). */
  spans: Map<number, { traceId: string; spanId: string }>;
  /** Span ids of the completions recorded without content. */
  uncaptured: string[];
}

export async function productionTraffic(ws: Workspace, file: string): Promise<Traffic> {
  // prompt.run() carries the prompt through the OTel context, as an app's SDK setup would (a no-op if one is set).
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const receiver = await startOtlpReceiver();
  const tracerProvider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'support-bot' }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${receiver.url}/v1/traces` }))],
  });
  const on = instrument(OpenAIv5, { tracerProvider, captureContent: true });
  const off = instrument(OpenAIv4, { tracerProvider, captureContent: false });
  const prompts = createPromptClient({ source: { dir: ws.registry.root } });
  const spans = new Map<number, { traceId: string; spanId: string }>();
  const uncaptured: string[] = [];
  try {
    ws.fake.script({
      content: GOOD,
      responseDelayMs: PRODUCTION_DELAY_MS,
      usage: { input: PRODUCTION_USAGE.prompt_tokens, output: PRODUCTION_USAGE.completion_tokens },
    });
    const prompt = await prompts.get(PROMPT, { label: 'production' });
    const withCapture = new OpenAIv5({ apiKey: 'sk-test', baseURL: ws.fake.url, maxRetries: 0 });
    const noCapture = new OpenAIv4({ apiKey: 'sk-test', baseURL: ws.fake.url, maxRetries: 0 });
    for (const ticket of [...CAPTURED, ...UNCAPTURED]) {
      // Two SDK majors, one call shape: typed as one so the union of their overloads stays callable.
      const client = (CAPTURED.includes(ticket) ? withCapture : noCapture) as unknown as OpenAIv5;
      // Rendered inside run(): that is what records the variables.
      await prompt.run(() =>
        client.chat.completions.create({
          ...prompt.request({ ticket, question: question(ticket) }),
          stream: false,
        } as never),
      );
    }
    await tracerProvider.forceFlush();
    await receiver.waitFor(() => receiver.spans().filter((s) => s.attributes['gen_ai.operation.name']).length >= 8);
    for (const s of receiver.spans()) {
      const msg = String(s.attributes['gen_ai.prompt.variable.ticket'] ?? '');
      if (msg !== '') spans.set(Number(msg), { traceId: s.traceId, spanId: s.spanId });
      else if (s.attributes['gen_ai.operation.name'] !== undefined) uncaptured.push(s.spanId);
    }
    const lines = receiver.requests.filter((r) => r.path === '/v1/traces').map((r) => r.body.toString('utf8'));
    await writeFile(file, `${lines.join('\n')}\n`);
    return { file, spans, uncaptured };
  } finally {
    on.uninstrument();
    off.uninstrument();
    await tracerProvider.shutdown();
    await receiver.close();
  }
}
