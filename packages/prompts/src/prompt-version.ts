import { type PromptRef, withPrompt } from '@promptscope/core';
import { setPromptVariables } from '@promptscope/core/provider';
import { type Rendered, render, type Variables } from './render.js';
import type { ChatMessage, PromptSpec } from './spec.js';

/** Where a served version came from. */
export type PromptOrigin = 'registry' | 'fallback';

/** One version of a prompt, ready to render. Immutable; safe to keep and share. */
export interface PromptVersion {
  readonly name: string;
  readonly version: number;
  /** The label it was resolved through; `'pinned'` under an environment pin; absent for `{ version }` gets. */
  readonly label: string | undefined;
  readonly sha256: string;
  /** `registry`: read from the source; `fallback`: the bundled copy, the source being unusable. */
  readonly source: PromptOrigin;
  /** True when an environment pin (PROMPTSCOPE_PROMPT_PIN_<NAME>) chose this version. */
  readonly pinned: boolean;
  readonly model: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly description: string | undefined;
  readonly type: 'chat' | 'text';
  readonly spec: Readonly<PromptSpec>;
  /** What core's `withPrompt` takes: spans of completions run inside {@link run} carry it. */
  readonly ref: PromptRef;
  /** Validates `vars` against the schema, fills defaults, substitutes `{{var}}`. Throws PromptError('variables'). */
  render(vars?: Variables): Rendered;
  /**
   * `{ model, ...parameters, messages }` for a chat-completions style call (a text prompt becomes one user
   * message). Parameters are passed as written in the version file.
   */
  request(vars?: Variables): { model: string; messages: ChatMessage[] } & Record<string, unknown>;
  /** Runs `fn` with this version as the active prompt: every completion started inside carries name, version, label. */
  run<R>(fn: () => R): R;
}

export function makeVersion(
  spec: PromptSpec,
  sha: string,
  label: string | undefined,
  origin: PromptOrigin,
  pinned: boolean,
): PromptVersion {
  const frozen = deepFreeze(structuredClone(spec));
  // Spans of completions run inside carry which file (sha256) and which source served this version.
  const ref: PromptRef = Object.freeze({
    name: spec.name,
    version: String(spec.version),
    ...(label !== undefined ? { label } : {}),
    sha256: sha,
    source: origin,
  });
  const pv: PromptVersion = {
    name: spec.name,
    version: spec.version,
    label,
    sha256: sha,
    source: origin,
    pinned,
    model: spec.model,
    parameters: frozen.parameters,
    description: spec.description,
    type: spec.messages !== undefined ? 'chat' : 'text',
    spec: frozen,
    ref,
    render: (vars) => rendered(frozen, vars),
    request(vars) {
      const out = rendered(frozen, vars);
      const messages = out.type === 'chat' ? out.messages : [{ role: 'user', content: out.text }];
      return { ...frozen.parameters, model: frozen.model, messages };
    },
    run: (fn) => withPrompt(ref, fn),
  };
  return Object.freeze(pv);
}

/** Renders and, inside `run()`, records the variables for the completion that follows (spans, capture on). */
function rendered(spec: PromptSpec, vars: Variables | undefined): Rendered {
  const out = render(spec, vars);
  if (vars !== undefined) setPromptVariables(vars);
  return out;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
