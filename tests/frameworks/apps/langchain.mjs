// A LangChain app unaware of telemetry: ChatOpenAI and ChatAnthropic, each invoke (with a bound tool),
// then stream, against the fake provider. PROVIDER=openai|anthropic. Prints what the app sees as JSON.
import { ChatAnthropic } from '@langchain/anthropic';
import { ChatOpenAI } from '@langchain/openai';
import { maybeInAppSpan, print } from './guard.mjs';

const provider = process.env.PROVIDER;
const model =
  provider === 'openai'
    ? new ChatOpenAI({ model: 'gpt-4o-mini', maxRetries: 0, configuration: { baseURL: process.env.FAKE_URL } })
    : new ChatAnthropic({
        model: 'claude-haiku-4-5',
        maxTokens: 64,
        maxRetries: 0,
        anthropicApiUrl: process.env.FAKE_ORIGIN,
      });

const weather = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

const seen = (msg) => ({
  content: msg.content,
  toolCalls: (msg.tool_calls ?? []).map((c) => ({ id: c.id, name: c.name, args: c.args })),
  usage: msg.usage_metadata && {
    input: msg.usage_metadata.input_tokens,
    output: msg.usage_metadata.output_tokens,
    total: msg.usage_metadata.total_tokens,
  },
});

const result = await maybeInAppSpan(async () => {
  const invoked = await model.bindTools([weather]).invoke('What is the weather in Paris?');
  const plain = await model.invoke('hi');
  let text = '';
  let chunks = 0;
  let last;
  for await (const chunk of await model.stream('hi again')) {
    chunks++;
    text += typeof chunk.content === 'string' ? chunk.content : '';
    last = last === undefined ? chunk : last.concat(chunk);
  }
  return {
    invoked: seen(invoked),
    plain: seen(plain),
    streamed: { text, nonEmpty: chunks > 0, usage: seen(last).usage },
  };
});
print(result);
