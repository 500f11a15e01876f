import { anthropicWire } from './anthropic-wire.js';
import { bedrockWire } from './bedrock-wire.js';
import { geminiWire } from './gemini-wire.js';
import { openAiWire } from './openai-wire.js';
import { type FakeProvider, type StartOptions, startServer, type WireFormat } from './server.js';

/** Wire formats served side by side; their routes do not overlap. The first one answers unknown routes. */
const WIRES: WireFormat[] = [openAiWire, anthropicWire, bedrockWire, geminiWire];

/**
 * Starts a scriptable provider on loopback that speaks the providers' real wire formats:
 * OpenAI Chat Completions, Responses, Embeddings and Azure OpenAI paths (SDK `baseURL: provider.url`),
 * and Anthropic Messages incl. beta messages and count_tokens (SDK `baseURL: provider.origin`).
 */
export function startFakeProvider(opts: StartOptions & { wires?: WireFormat[] } = {}): Promise<FakeProvider> {
  return startServer(opts.wires ?? WIRES, opts);
}
