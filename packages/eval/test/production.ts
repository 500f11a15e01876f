/**
 * A small production app for the harvesting tests: the prompt client from the registry, the real openai SDK
 * (one major with content capture on, another with it off), a thumbs-down through @promptscope/feedback,
 * and the OTel SDK exporting OTLP/JSON, one export request per line: the shape of the collector's replay
 * file (the `file` exporter with format json).
 */
import { writeFile } from 'node:fs/promises';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createFeedback } from '@promptscope/feedback';
import { instrument } from '@promptscope/instrumentation-openai';
import { createPromptClient } from '@promptscope/prompts';
import { startOtlpReceiver } from '@promptscope/testing';
import OpenAIv4 from 'openai-v4';
import OpenAIv5 from 'openai-v5';
import { PROMPT, type Workspace } from './helpers.js';

export interface Production {
  /** The replay file: every export request the app made, one JSON document per line. */
  file: string;
  captured: { traceId: string; spanId: string; vars: Record<string, string | number> };
  uncaptured: { traceId: string; spanId: string };
  output: string;
}

export async function production(ws: Workspace, file: string): Promise<Production> {
  const receiver = await startOtlpReceiver();
  const tracerProvider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'support-bot' }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${receiver.url}/v1/traces` }))],
  });
  const on = instrument(OpenAIv5, { tracerProvider, captureContent: true });
  const off = instrument(OpenAIv4, { tracerProvider, captureContent: false });
  const prompts = createPromptClient({ source: { dir: ws.registry.root } });
  const feedback = createFeedback({ tracerProvider });
  try {
    const output = 'Your parcel left our depot today.';
    ws.fake.script({ content: output });
    const prompt = await prompts.get(PROMPT, { label: 'production' });
    const vars = { ticket: 7, question: 'Where is my parcel? ¿Dónde está?' };
    const withCapture = new OpenAIv5({ apiKey: 'sk-test', baseURL: ws.fake.url, maxRetries: 0 });
    const res = await prompt.run(() => withCapture.chat.completions.create(prompt.request(vars) as never));
    const token = feedback.token(res) as string;
    feedback.thumbs(token, false, { comment: 'it did not say when it arrives', id: 'u1:thumbs' });
    const noCapture = new OpenAIv4({ apiKey: 'sk-test', baseURL: ws.fake.url, maxRetries: 0 });
    const res2 = await prompt.run(() =>
      noCapture.chat.completions.create(prompt.request({ ticket: 8, question: 'Cancel my plan' }) as never),
    );
    const token2 = feedback.token(res2) as string;
    await tracerProvider.forceFlush();
    await receiver.waitFor(() => receiver.spans().filter((s) => s.attributes['gen_ai.operation.name']).length >= 2);
    const lines = receiver.requests.filter((r) => r.path === '/v1/traces').map((r) => r.body.toString('utf8'));
    if (lines.some((l) => !l.startsWith('{'))) throw new Error('expected OTLP/JSON export requests');
    await writeFile(file, `${lines.join('\n')}\n`);
    const a = feedback.parse(token);
    const b = feedback.parse(token2);
    return {
      file,
      captured: { traceId: a.traceId, spanId: a.spanId, vars },
      uncaptured: { traceId: b.traceId, spanId: b.spanId },
      output,
    };
  } finally {
    prompts.close();
    on.uninstrument();
    off.uninstrument();
    await tracerProvider.shutdown();
    await receiver.close();
  }
}
