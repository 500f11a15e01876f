import type { Attributes } from '@opentelemetry/api';
import { type ApiMapping, ATTR, OPERATION, type Prepared } from '@promptscope/core/provider';
import { providerOf, serverOf } from './client.js';
import { modelName } from './generate.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * `Models.prototype.embedContentInternal`, which `models.embedContent` calls once (the Gemini API's
 * `:batchEmbedContents`, Vertex AI's `:embedContent` or `:predict`). The Gemini API reports no token
 * count for embeddings; Vertex AI's `:predict` reports one per input (`statistics.tokenCount`), summed.
 * The conventions define no content attributes for embeddings input.
 */
export const embedContent: ApiMapping = {
  prepare(params: unknown, client: unknown): Prepared | undefined {
    if (!isObj(params)) return undefined;
    const config = isObj(params.config) ? params.config : {};
    const { address, port } = serverOf(client);
    const attributes: Attributes = {};
    const dims = config.outputDimensionality;
    if (typeof dims === 'number') attributes[ATTR.EMBEDDINGS_DIMENSION_COUNT] = dims;
    return {
      request: {
        operation: OPERATION.EMBEDDINGS,
        provider: providerOf(client),
        model: modelName(params.model),
        serverAddress: address,
        serverPort: port,
        attributes,
      },
      body: params,
      signal: config.abortSignal instanceof AbortSignal ? config.abortSignal : undefined,
      handlers: {
        onResult(op, result) {
          if (!isObj(result)) return;
          const embeddings = Array.isArray(result.embeddings) ? result.embeddings.filter(isObj) : [];
          const values = embeddings[0]?.values;
          let tokens: number | undefined;
          for (const e of embeddings) {
            const count = isObj(e.statistics) ? e.statistics.tokenCount : undefined;
            if (typeof count === 'number') tokens = (tokens ?? 0) + count;
          }
          op.read({
            usage: tokens === undefined ? undefined : { inputTokens: tokens },
            attributes:
              Array.isArray(values) && typeof dims !== 'number'
                ? { [ATTR.EMBEDDINGS_DIMENSION_COUNT]: values.length }
                : undefined,
          });
        },
        streamObserver() {
          throw new Error('embeddings do not stream');
        },
      },
    };
  },
};
