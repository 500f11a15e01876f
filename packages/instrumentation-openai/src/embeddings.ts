import type { Attributes } from '@opentelemetry/api';
import { ATTR, OPERATION, PROVIDER } from '@promptscope/core';
import type { ApiMapping, Prepared } from '@promptscope/core/provider';
import { type ClientLike, isRecord, serverOf } from './request.js';

/**
 * `embeddings.create`, named `provider` when the client's base URL says nothing. The conventions define no
 * content attributes for embeddings input.
 */
export function embeddingsFor(provider: string): ApiMapping {
  return { prepare: (body, client) => prepareEmbeddings(body, client as ClientLike | undefined, provider) };
}

export const embeddings: ApiMapping = embeddingsFor(PROVIDER.OPENAI);

function prepareEmbeddings(body: unknown, client: ClientLike | undefined, provider: string): Prepared | undefined {
  if (!isRecord(body)) return undefined;
  const server = serverOf(client, provider);
  const attributes: Attributes = {};
  if (typeof body.encoding_format === 'string') attributes[ATTR.REQUEST_ENCODING_FORMATS] = [body.encoding_format];
  if (typeof body.dimensions === 'number') attributes[ATTR.EMBEDDINGS_DIMENSION_COUNT] = body.dimensions;
  return {
    request: {
      operation: OPERATION.EMBEDDINGS,
      provider: server.provider,
      model: typeof body.model === 'string' ? body.model : undefined,
      serverAddress: server.address,
      serverPort: server.port,
      attributes,
    },
    body,
    handlers: {
      onResult(op, result) {
        if (!isRecord(result)) return;
        const first = Array.isArray(result.data) ? result.data[0] : undefined;
        const vector = isRecord(first) ? first.embedding : undefined;
        // A base64 vector (encoding_format 'base64') packs float32 values: 4 bytes each.
        const dimensions = Array.isArray(vector)
          ? vector.length
          : typeof vector === 'string'
            ? Buffer.byteLength(vector, 'base64') / 4
            : undefined;
        op.setResponse({
          model: typeof result.model === 'string' ? result.model : undefined,
          attributes:
            dimensions !== undefined && typeof body.dimensions !== 'number'
              ? { [ATTR.EMBEDDINGS_DIMENSION_COUNT]: dimensions }
              : undefined,
        });
        const usage = result.usage;
        if (isRecord(usage) && typeof usage.prompt_tokens === 'number') {
          op.setUsage({ inputTokens: usage.prompt_tokens });
        }
      },
      streamObserver() {
        throw new Error('embeddings do not stream');
      },
    },
  };
}
