// The route's counters and the recorder that feeds them, apart from the retry loop in fallback.ts.
import type { Attributes, Counter } from '@opentelemetry/api';
import { ATTR, BoundedCache, METRIC, perMeterProvider, SCOPE_NAME, Telemetry } from '@promptscope/core/provider';
import type { AttemptKind } from './types.js';

export interface RouteInstruments {
  attempts: Counter;
  providerErrors: Counter;
  fallbacks: Counter;
  attributeSets: BoundedCache<Attributes>;
}

const routeInstrumentsFor = perMeterProvider(SCOPE_NAME, (meter) => ({
  attempts: meter.createCounter(METRIC.ROUTE_ATTEMPTS, {
    unit: '{attempt}',
    description: 'Attempts of routed calls, by route, target, attempt kind and outcome',
  }),
  providerErrors: meter.createCounter(METRIC.PROVIDER_ERRORS, {
    unit: '{error}',
    description: 'Failed attempts of routed calls, by provider, target and error.type',
  }),
  fallbacks: meter.createCounter(METRIC.ROUTE_FALLBACKS, {
    unit: '{fallback}',
    description: 'Routed calls moving from one target to the next, by from, to and reason',
  }),
  attributeSets: new BoundedCache<Attributes>(),
}));

export function routeInstruments(telemetry: Telemetry): RouteInstruments {
  return routeInstrumentsFor(telemetry.instruments().provider);
}

/** Records the counters of one logical call; never throws into it. */
export class Recorder {
  constructor(
    private readonly route: string,
    private readonly telemetry: Telemetry,
    private readonly inst: RouteInstruments | undefined,
  ) {}

  attempt(target: string, kind: AttemptKind, outcome: 'success' | 'error'): void {
    this.add('attempts', `a\u0000${this.route}\u0000${target}\u0000${kind}\u0000${outcome}`, () => ({
      [ATTR.ROUTE_NAME]: this.route,
      [ATTR.ROUTE_TARGET]: target,
      [ATTR.ATTEMPT_KIND]: kind,
      [ATTR.ATTEMPT_OUTCOME]: outcome,
    }));
  }

  providerError(target: string, provider: string | undefined, type: string): void {
    this.add('providerErrors', `e\u0000${this.route}\u0000${target}\u0000${provider ?? ''}\u0000${type}`, () => {
      const attrs: Attributes = { [ATTR.ROUTE_NAME]: this.route, [ATTR.ROUTE_TARGET]: target, [ATTR.ERROR_TYPE]: type };
      if (provider !== undefined) attrs[ATTR.PROVIDER_NAME] = provider;
      return attrs;
    });
  }

  fallback(from: string, to: string, reason: string): void {
    this.add('fallbacks', `f\u0000${this.route}\u0000${from}\u0000${to}\u0000${reason}`, () => ({
      [ATTR.ROUTE_NAME]: this.route,
      [ATTR.FALLBACK_FROM]: from,
      [ATTR.FALLBACK_TO]: to,
      [ATTR.FALLBACK_REASON]: reason,
    }));
  }

  private add(counter: 'attempts' | 'providerErrors' | 'fallbacks', key: string, build: () => Attributes): void {
    const inst = this.inst;
    if (inst === undefined) return;
    try {
      inst[counter].add(
        1,
        inst.attributeSets.get(key, () => Object.freeze(build())),
      );
    } catch (err) {
      this.telemetry.internalError('route.metrics', err);
    }
  }
}

let shared: Telemetry | undefined;

export function sharedTelemetry(): Telemetry {
  shared ??= new Telemetry();
  return shared;
}
