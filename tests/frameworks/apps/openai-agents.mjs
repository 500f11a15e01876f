// An OpenAI Agents SDK app unaware of OTel: one agent with a tool, run once (the model calls the tool,
// then answers: two model requests) and once streamed, against the fake provider.
// OPENAI_API=responses|chat_completions. AGENTS_TRACING=collect keeps the SDK's own tracing on, with
// its processors replaced by one that only collects here (its default exporter would post to OpenAI).
import {
  Agent,
  run,
  setDefaultOpenAIClient,
  setOpenAIAPI,
  setTraceProcessors,
  setTracingDisabled,
  tool,
} from '@openai/agents';
import OpenAI from 'openai';
import { z } from 'zod';
import { maybeInAppSpan, print } from './guard.mjs';

const agentSpans = [];
if (process.env.AGENTS_TRACING === 'collect') {
  // On explicitly: the SDK turns its tracing off by itself when NODE_ENV=test.
  setTracingDisabled(false);
  setTraceProcessors([
    {
      onTraceStart: async () => {},
      onTraceEnd: async () => {},
      onSpanStart: async () => {},
      onSpanEnd: async (span) => {
        agentSpans.push(span.spanData.type);
      },
      shutdown: async () => {},
      forceFlush: async () => {},
    },
  ]);
} else {
  setTracingDisabled(true);
}

setDefaultOpenAIClient(new OpenAI({ baseURL: process.env.FAKE_URL, maxRetries: 0 }));
setOpenAIAPI(process.env.OPENAI_API);

const getWeather = tool({
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: z.object({ city: z.string() }),
  execute: async ({ city }) => `Sunny in ${city}`,
});
const agent = new Agent({
  name: 'Weather',
  instructions: 'Answer briefly.',
  model: 'gpt-4o-mini',
  tools: [getWeather],
});

const usageOf = (responses) =>
  responses.map((r) => ({ input: r.usage.inputTokens, output: r.usage.outputTokens, total: r.usage.totalTokens }));
const toolCalls = (items) =>
  items
    .filter((i) => i.type === 'tool_call_item')
    .map((i) => ({ name: i.rawItem.name, arguments: i.rawItem.arguments, callId: i.rawItem.callId }));
const toolOutputs = (items) => items.filter((i) => i.type === 'tool_call_output_item').map((i) => i.output);

const result = await maybeInAppSpan(async () => {
  const ran = await run(agent, 'What is the weather in Paris?');
  const streamed = await run(agent, 'Say hi.', { stream: true });
  let text = '';
  for await (const t of streamed.toTextStream()) text += t;
  await streamed.completed;
  return {
    ran: {
      finalOutput: ran.finalOutput,
      toolCalls: toolCalls(ran.newItems),
      toolOutputs: toolOutputs(ran.newItems),
      usage: usageOf(ran.rawResponses),
    },
    streamed: { text, finalOutput: streamed.finalOutput, usage: usageOf(streamed.rawResponses) },
  };
});
print({ ...result, agentSpans });
