import { findClientClass, PASS_THROUGH, type ProviderSpec, type Target } from '@promptscope/core/provider';
import { BEDROCK_PROBE, cloudClientRoot, VERTEX_PROBE } from './clients.js';
import { messages } from './messages.js';
import { BEDROCK_VERSIONS, PACKAGE_NAME, PACKAGE_VERSION, SUPPORTED_VERSIONS, VERTEX_VERSIONS } from './version.js';

/**
 * One call, one span. `@anthropic-ai/sdk` 0.134 and later starts its own span for each call whenever a
 * tracer provider is registered; on a client we instrument we turn that off (its `_tracer`, read at each
 * call), so tokens and cost are counted once, on our span, which carries everything the SDK's did plus
 * time to first token, cost and the prompt version. The SDK's `openTelemetry: false` client option or
 * `ANTHROPIC_OPEN_TELEMETRY=false` do the same for clients made before instrumentation.
 */
export function turnOffSdkTracing(client: unknown): void {
  if (client !== null && typeof client === 'object' && (client as { _tracer?: unknown })._tracer !== undefined) {
    (client as { _tracer?: unknown })._tracer = undefined;
  }
}

// `stream()` starts the SDK's stream span before it reaches `create`, so it must turn tracing off first.
const TARGETS: Target[] = [
  { path: ['Messages'], method: 'create', mapping: messages, beforeCall: turnOffSdkTracing },
  { path: ['Messages'], method: 'stream', mapping: PASS_THROUGH, beforeCall: turnOffSdkTracing },
  { path: ['Beta', 'Messages'], method: 'create', mapping: messages, beforeCall: turnOffSdkTracing },
  { path: ['Beta', 'Messages'], method: 'stream', mapping: PASS_THROUGH, beforeCall: turnOffSdkTracing },
];

export const ANTHROPIC: ProviderSpec = {
  packageName: PACKAGE_NAME,
  packageVersion: PACKAGE_VERSION,
  moduleName: '@anthropic-ai/sdk',
  supportedVersions: SUPPORTED_VERSIONS,
  clientClass: (moduleExports) => findClientClass(moduleExports, 'Anthropic', 'Messages'),
  targets: TARGETS,
  usage: 'import Anthropic from "@anthropic-ai/sdk"; instrument(Anthropic)',
};

/**
 * `@anthropic-ai/vertex-sdk`. Its `Messages` may be the very class `@anthropic-ai/sdk` exports (a hoisted
 * install): then whichever spec patches first wraps it, the other finds it wrapped, and each call is one span,
 * named from its client.
 */
export const VERTEX: ProviderSpec = {
  packageName: PACKAGE_NAME,
  packageVersion: PACKAGE_VERSION,
  moduleName: '@anthropic-ai/vertex-sdk',
  supportedVersions: VERTEX_VERSIONS,
  clientClass: (moduleExports) => cloudClientRoot(moduleExports, 'AnthropicVertex', VERTEX_PROBE),
  targets: TARGETS,
  usage: 'import { AnthropicVertex } from "@anthropic-ai/vertex-sdk"; instrument(AnthropicVertex)',
};

export const BEDROCK: ProviderSpec = {
  packageName: PACKAGE_NAME,
  packageVersion: PACKAGE_VERSION,
  moduleName: '@anthropic-ai/bedrock-sdk',
  supportedVersions: BEDROCK_VERSIONS,
  clientClass: (moduleExports) => cloudClientRoot(moduleExports, 'AnthropicBedrock', BEDROCK_PROBE),
  targets: TARGETS,
  usage: 'import { AnthropicBedrock } from "@anthropic-ai/bedrock-sdk"; instrument(AnthropicBedrock)',
};
