export { startFakeProvider } from './fake-provider.js';
export { geminiWire } from './gemini-wire.js';
export { mistralWire } from './mistral-wire.js';
export { childEnv, type NodeRun, type NodeRunOptions, resultLine, runNode } from './node-process.js';
export type { MetricPoint, OtelHarness, OtelHarnessOptions, ReadLogRecord } from './otel-harness.js';
export { createOtelHarness } from './otel-harness.js';
export type { FlatLog, FlatMetric, FlatMetricPoint, FlatSpan } from './otlp-flatten.js';
export type { OtlpReceiver, ReceivedOtlpRequest } from './otlp-receiver.js';
export { startOtlpReceiver } from './otlp-receiver.js';
export { freePort } from './ports.js';
export {
  bothWays,
  captureDiagnostics,
  diagnostics,
  type Env,
  type ErrorShape,
  errorShape,
  type Outcome,
  only,
  outcome,
  sleep,
  stable,
  startEnv,
  withInstrumentation,
} from './scenario.js';
export type { Fault, Script, ScriptedToolCall, ScriptedUsage, ScriptRequest, ScriptSource } from './script.js';
export { DEFAULT_CONTENT } from './script.js';
export type { FakeProvider, RecordedRequest, StartOptions as FakeProviderOptions } from './server.js';
