/**
 * The deprecated `@google/generative-ai` (0.24), which `@langchain/google-genai` still uses: the same
 * Gemini API and response shapes as `@google/genai`, reached through `GenerativeModel` and `ChatSession`
 * prototype methods. A chat session calls the module's request functions itself, never its model's
 * methods, so each path is one span.
 */
import {
  type ApiMapping,
  ATTR,
  OPERATION,
  PROVIDER,
  type Prepared,
  type ProviderSpec,
  type ResultHandlers,
  type Target,
} from '@promptscope/core/provider';
import { inputMessages, systemInstructions, toolDefinitions } from './content.js';
import { handlers as generateHandlers, modelName, requestAttributes } from './generate.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The `@google/generative-ai` versions tested (0.24). */
export const GENERATIVE_AI_VERSIONS = '>=0.24.0 <1';

const DEFAULT_HOST = { address: 'generativelanguage.googleapis.com', port: 443 };

function serverOf(baseUrl: unknown): { address?: string; port?: number } {
  if (typeof baseUrl !== 'string') return DEFAULT_HOST;
  try {
    const url = new URL(baseUrl);
    return { address: url.hostname, port: url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80 };
  } catch {
    return {};
  }
}

/** A request as the SDK takes it: a string, parts (one user turn), or a request object with `contents`. */
function contentsOf(request: unknown): unknown {
  return isObj(request) && Array.isArray(request.contents) ? request.contents : request;
}

interface Resource {
  model?: unknown;
  generationConfig?: unknown;
  systemInstruction?: unknown;
  tools?: unknown;
  params?: Obj;
  _history?: unknown[];
  _requestOptions?: Obj;
}

/**
 * `GenerativeModel.prototype.generateContent[Stream]` and `ChatSession.prototype.sendMessage[Stream]`. The
 * model's (or the session's) settings apply unless the request carries its own; per-call request options
 * (the second argument) override the model's.
 */
function mapping(stream: boolean, chat: boolean): ApiMapping {
  return {
    prepare(request: unknown, resource: unknown, _telemetry, args): Prepared | undefined {
      if (!isObj(resource) || request === undefined || request === null) return undefined;
      const r = resource as Resource;
      const defaults: Obj = (chat ? r.params : (r as Obj)) ?? {};
      const own = isObj(request) && !Array.isArray(request) ? request : {};
      const config = isObj(own.generationConfig)
        ? own.generationConfig
        : isObj(defaults.generationConfig)
          ? defaults.generationConfig
          : {};
      const options = { ...r._requestOptions, ...(isObj(args[1]) ? args[1] : {}) } as Obj;
      const { address, port } = serverOf(options.baseUrl);
      return {
        request: {
          operation: OPERATION.GENERATE_CONTENT,
          provider: PROVIDER.GCP_GEMINI,
          model: modelName(r.model),
          serverAddress: address,
          serverPort: port,
          stream,
          attributes: requestAttributes(config),
        },
        body: request,
        recordContent(op) {
          const system = systemInstructions(own.systemInstruction ?? defaults.systemInstruction);
          if (system !== undefined) op.recordContent('system_instructions', system);
          const history = chat && Array.isArray(r._history) ? inputMessages(r._history) : [];
          // A chat message is one user turn: a string, a part or parts.
          const turn = inputMessages(chat ? request : contentsOf(request));
          op.recordContent('input', [...history, ...turn]);
          const tools = toolDefinitions(own.tools ?? defaults.tools);
          if (tools !== undefined) op.recordContent('tool_definitions', tools);
        },
        handlers: stream ? streamed : plain,
        signal: options.signal instanceof AbortSignal ? options.signal : undefined,
      };
    },
  };
}

// The SDK wraps each result: `{ response }`, or `{ stream, response }` for a stream, whose chunks are
// GenerateContentResponses. The stream is what is observed; see the README for callers who only await
// `response`.
const plain: ResultHandlers = {
  ...generateHandlers,
  onResult: (op, result) => generateHandlers.onResult(op, isObj(result) ? result.response : undefined),
};
const streamed: ResultHandlers = {
  ...generateHandlers,
  streamOf: (result) => (isObj(result) ? result.stream : undefined),
};

/** `embedContent` and `batchEmbedContents`: the Gemini API reports no token counts for either. */
const embed: ApiMapping = {
  prepare(_request: unknown, resource: unknown, _telemetry, args): Prepared | undefined {
    if (!isObj(resource)) return undefined;
    const r = resource as Resource;
    const options = { ...r._requestOptions, ...(isObj(args[1]) ? args[1] : {}) } as Obj;
    const { address, port } = serverOf(options.baseUrl);
    return {
      request: {
        operation: OPERATION.EMBEDDINGS,
        provider: PROVIDER.GCP_GEMINI,
        model: modelName(r.model),
        serverAddress: address,
        serverPort: port,
      },
      body: args[0],
      handlers: {
        onResult(op, result) {
          if (!isObj(result)) return;
          const first = isObj(result.embedding)
            ? result.embedding
            : Array.isArray(result.embeddings)
              ? result.embeddings[0]
              : undefined;
          const values = isObj(first) ? first.values : undefined;
          op.read({
            attributes: Array.isArray(values) ? { [ATTR.EMBEDDINGS_DIMENSION_COUNT]: values.length } : undefined,
          });
        },
        streamObserver() {
          throw new Error('embeddings do not stream');
        },
      },
    };
  },
};

const self = (resource: unknown): unknown => resource;

const TARGETS: Target[] = [
  { path: ['GenerativeModel'], method: 'generateContent', mapping: mapping(false, false), client: self },
  { path: ['GenerativeModel'], method: 'generateContentStream', mapping: mapping(true, false), client: self },
  { path: ['GenerativeModel'], method: 'embedContent', mapping: embed, client: self },
  { path: ['GenerativeModel'], method: 'batchEmbedContents', mapping: embed, client: self },
  { path: ['ChatSession'], method: 'sendMessage', mapping: mapping(false, true), client: self },
  { path: ['ChatSession'], method: 'sendMessageStream', mapping: mapping(true, true), client: self },
];

function root(moduleExports: unknown): Obj | undefined {
  if (moduleExports === null || typeof moduleExports !== 'object') return undefined;
  const m = moduleExports as Obj;
  for (const c of [m, m.default]) {
    if (isObj(c) && typeof c.GenerativeModel === 'function' && typeof c.ChatSession === 'function') {
      return { GenerativeModel: c.GenerativeModel, ChatSession: c.ChatSession };
    }
  }
  return undefined;
}

export const GENERATIVE_AI: ProviderSpec = {
  packageName: PACKAGE_NAME,
  packageVersion: PACKAGE_VERSION,
  moduleName: '@google/generative-ai',
  supportedVersions: GENERATIVE_AI_VERSIONS,
  clientClass: root,
  targets: TARGETS,
  usage: 'import * as generativeAi from "@google/generative-ai"; instrument(generativeAi)',
};
