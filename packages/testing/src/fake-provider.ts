import { openAiWire } from './openai-wire.js';
import { type FakeProvider, type StartOptions, startServer, type WireFormat } from './server.js';

/** Wire formats served side by side; their routes do not overlap. */
const WIRES: WireFormat[] = [openAiWire];

/**
 * Starts a scriptable provider on loopback that speaks the providers' real wire formats
 * (currently OpenAI Chat Completions, Responses, Embeddings and Azure OpenAI paths).
 */
export function startFakeProvider(opts: StartOptions = {}): Promise<FakeProvider> {
  return startServer(WIRES, opts);
}
