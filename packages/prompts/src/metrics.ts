import type { Attributes, MeterProvider } from '@opentelemetry/api';
import { ATTR, BoundedCache, perMeterProvider, SCOPE_NAME } from '@promptscope/core/provider';

export const PROMPT_METRIC = {
  /** Refreshes (and cold loads) that failed and left the last good copy, or the bundled one, in use. */
  REFRESH_ERRORS: 'promptscope.prompts.refresh_errors',
  /** Gets answered with the bundled fallback because the source could not be used on a cold start. */
  FALLBACKS: 'promptscope.prompts.fallbacks',
} as const;

const instruments = perMeterProvider(SCOPE_NAME, (meter) => ({
  refreshErrors: meter.createCounter(PROMPT_METRIC.REFRESH_ERRORS, {
    unit: '{error}',
    description: 'Prompt registry reads that failed; the last good copy (or the bundled one) stayed in use',
  }),
  fallbacks: meter.createCounter(PROMPT_METRIC.FALLBACKS, {
    unit: '{load}',
    description: 'Prompt loads answered from the bundled fallback because the source was unusable',
  }),
  /** Attribute sets built once per distinct (prompt, reason). */
  sets: new BoundedCache<Attributes>(),
}));

function attributes(inst: ReturnType<typeof instruments>, prompt: string, reason: string): Attributes {
  return inst.sets.get(`${prompt}\u0000${reason}`, () =>
    Object.freeze({ [ATTR.PROMPT_NAME]: prompt, [ATTR.ERROR_TYPE]: reason }),
  );
}

/** Counts without ever throwing into the caller. */
export class PromptMetrics {
  constructor(private readonly provider?: MeterProvider) {}

  refreshError(prompt: string, reason: string): void {
    try {
      const inst = instruments(this.provider);
      inst.refreshErrors.add(1, attributes(inst, prompt, reason));
    } catch {
      // counting must not break the app
    }
  }

  fallback(prompt: string, reason: string): void {
    try {
      const inst = instruments(this.provider);
      inst.fallbacks.add(1, attributes(inst, prompt, reason));
    } catch {
      // counting must not break the app
    }
  }
}
