/**
 * Two caches every recorder of metrics here needs: instruments created once per meter provider (the
 * global provider may be registered after the code that records was loaded, and a test may swap it), and
 * attribute sets built once per distinct combination (building and hashing them is most of what a metric
 * record costs in the OTel JS SDK), bounded because some values come from callers.
 */
import { type Meter, type MeterProvider, metrics } from '@opentelemetry/api';

/** Returns a getter of `create(meter)`'s result for the current (or given) meter provider, created once each. */
export function perMeterProvider<T>(
  scope: string,
  create: (meter: Meter) => T,
  version?: string,
): (provider?: MeterProvider) => T {
  const built = new WeakMap<MeterProvider, T>();
  return (provider = metrics.getMeterProvider()) => {
    let value = built.get(provider);
    if (value === undefined) {
      value = create(provider.getMeter(scope, version));
      built.set(provider, value);
    }
    return value;
  };
}

/** Values built once per key; cleared when `max` distinct keys were built, so memory stays bounded. */
export class BoundedCache<V> {
  private readonly map = new Map<string, V>();

  constructor(private readonly max = 1024) {}

  get(key: string, build: () => V): V {
    let value = this.map.get(key);
    if (value === undefined) {
      value = build();
      if (this.map.size >= this.max) this.map.clear();
      this.map.set(key, value);
    }
    return value;
  }

  clear(): void {
    this.map.clear();
  }
}
