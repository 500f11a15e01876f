import { type Attributes, type Counter, type MeterProvider, metrics } from '@opentelemetry/api';
import { SCOPE_NAME } from '@promptscope/core';

export const PROMPT_METRIC = {
  /** Refreshes (and cold loads) that failed and left the last good copy, or the bundled one, in use. */
  REFRESH_ERRORS: 'promptscope.prompts.refresh_errors',
  /** Gets answered with the bundled fallback because the source could not be used on a cold start. */
  FALLBACKS: 'promptscope.prompts.fallbacks',
} as const;

interface Instruments {
  refreshErrors: Counter;
  fallbacks: Counter;
  /** Attribute sets built once per distinct (prompt, reason). */
  sets: Map<string, Attributes>;
}

const byProvider = new WeakMap<MeterProvider, Instruments>();

function instruments(provider: MeterProvider): Instruments {
  let inst = byProvider.get(provider);
  if (inst === undefined) {
    const meter = provider.getMeter(SCOPE_NAME);
    inst = {
      refreshErrors: meter.createCounter(PROMPT_METRIC.REFRESH_ERRORS, {
        unit: '{error}',
        description: 'Prompt registry reads that failed; the last good copy (or the bundled one) stayed in use',
      }),
      fallbacks: meter.createCounter(PROMPT_METRIC.FALLBACKS, {
        unit: '{load}',
        description: 'Prompt loads answered from the bundled fallback because the source was unusable',
      }),
      sets: new Map(),
    };
    byProvider.set(provider, inst);
  }
  return inst;
}

function attributes(inst: Instruments, prompt: string, reason: string): Attributes {
  const key = `${prompt}\u0000${reason}`;
  let attrs = inst.sets.get(key);
  if (attrs === undefined) {
    attrs = Object.freeze({ 'gen_ai.prompt.name': prompt, 'error.type': reason });
    if (inst.sets.size < 1024) inst.sets.set(key, attrs);
  }
  return attrs;
}

/** Counts without ever throwing into the caller. */
export class PromptMetrics {
  constructor(private readonly provider?: MeterProvider) {}

  refreshError(prompt: string, reason: string): void {
    try {
      const inst = instruments(this.provider ?? metrics.getMeterProvider());
      inst.refreshErrors.add(1, attributes(inst, prompt, reason));
    } catch {
      // counting must not break the app
    }
  }

  fallback(prompt: string, reason: string): void {
    try {
      const inst = instruments(this.provider ?? metrics.getMeterProvider());
      inst.fallbacks.add(1, attributes(inst, prompt, reason));
    } catch {
      // counting must not break the app
    }
  }
}
