// A LangChain app on ChatGoogleGenerativeAI (the deprecated @google/generative-ai underneath): invoke, then
// stream, against the fake's Gemini wire. Prints what the app sees as JSON.
import { ChatGoogleGenerativeAI } from '@langchain/google-genai';
import { maybeInAppSpan, print } from './guard.mjs';

const gemini = new ChatGoogleGenerativeAI({
  model: 'gemini-2.5-flash',
  apiKey: process.env.GOOGLE_API_KEY,
  baseUrl: process.env.FAKE_ORIGIN,
  maxRetries: 0,
});
const usage = (m) =>
  m?.usage_metadata && { input: m.usage_metadata.input_tokens, output: m.usage_metadata.output_tokens };

const result = await maybeInAppSpan(async () => {
  const plain = await gemini.invoke('hi');
  let text = '';
  let last;
  for await (const chunk of await gemini.stream('hi again')) {
    text += typeof chunk.content === 'string' ? chunk.content : '';
    last = last === undefined ? chunk : last.concat(chunk);
  }
  return { plain: { content: plain.content, usage: usage(plain) }, streamed: { text, usage: usage(last) } };
});
print(result);
