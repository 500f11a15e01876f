/**
 * What turns a provider's targets into the two ways users install it: an OpenTelemetry
 * `Instrumentation` (for NodeSDK / registerInstrumentations / the register hook) and `instrument(module)`
 * for bundled apps. A provider package supplies a {@link ProviderSpec} and nothing else of this.
 */
import { type MeterProvider, metrics, type TracerProvider } from '@opentelemetry/api';
import {
  InstrumentationBase,
  type InstrumentationConfig,
  InstrumentationNodeModuleDefinition,
} from '@opentelemetry/instrumentation';
import type { PromptscopeConfig } from './config.js';
import { patchTargets, type Target, unpatchTargets } from './instrument.js';
import { isWrapped } from './patch.js';
import { Telemetry } from './telemetry.js';

/**
 * The SDK's client class from what a loader hook or the app hands us: a CommonJS `module.exports` (the
 * class itself, with properties), an ESM namespace (`default` and a named export), or the class. `marker`
 * is a resource class the client must have (e.g. `Chat`), so a look-alike is not patched.
 */
export function findClientClass(
  moduleExports: unknown,
  exportName: string,
  marker: string,
): Record<string, unknown> | undefined {
  const m = moduleExports as Record<string, unknown> | undefined;
  if (m === undefined || m === null) return undefined;
  for (const candidate of [m[exportName], m.default, m]) {
    if (
      typeof candidate === 'function' &&
      typeof (candidate as unknown as Record<string, unknown>)[marker] === 'function'
    ) {
      return candidate as unknown as Record<string, unknown>;
    }
  }
  return undefined;
}

export interface ProviderSpec {
  /** Our package, used as the instrumentation scope. */
  packageName: string;
  packageVersion: string;
  /** The SDK's npm name and the versions we support. */
  moduleName: string;
  supportedVersions: string;
  /** The SDK's client class from a CJS `module.exports`, an ESM namespace, or the class itself. */
  clientClass(moduleExports: unknown): Record<string, unknown> | undefined;
  targets: readonly Target[];
  /** What `instrument()` says when given something else, e.g. `import OpenAI from "openai"`. */
  usage: string;
}

export interface ProviderInstrumentationConfig extends InstrumentationConfig, PromptscopeConfig {}

export interface ManualOptions extends PromptscopeConfig {
  tracerProvider?: TracerProvider;
  meterProvider?: MeterProvider;
}

export interface Instrumented {
  /** Restores the module's original methods. */
  uninstrument(): void;
}

export function patchModule(spec: ProviderSpec, moduleExports: unknown, recorder: () => Telemetry): number {
  const client = spec.clientClass(moduleExports);
  if (client === undefined) return 0;
  const patched = patchTargets(client, spec.targets, recorder);
  // The SDK is being loaded, so the app is starting: load the price data now, not in its first call.
  if (patched > 0) {
    try {
      recorder().prices.preload();
    } catch {
      // It loads again at the first lookup; an error there is reported with that call.
    }
  }
  return patched;
}

export function unpatchModule(spec: ProviderSpec, moduleExports: unknown): void {
  const client = spec.clientClass(moduleExports);
  if (client !== undefined) unpatchTargets(client, spec.targets);
}

/** `instrument(module, options)` for a provider. */
export function manualInstrument(
  spec: ProviderSpec,
  moduleExports: unknown,
  options: ManualOptions = {},
): Instrumented {
  const telemetry = new Telemetry(options, { name: spec.packageName, version: spec.packageVersion });
  if (options.tracerProvider !== undefined) telemetry.setTracerProvider(options.tracerProvider);
  if (options.meterProvider !== undefined) telemetry.setMeterProvider(options.meterProvider);
  const n = patchModule(spec, moduleExports, () => telemetry);
  if (n === 0 && !alreadyPatched(spec, moduleExports)) {
    throw new TypeError(
      `instrument(): expected the ${spec.moduleName} module (${spec.usage}), but found nothing to patch`,
    );
  }
  return { uninstrument: () => unpatchModule(spec, moduleExports) };
}

function alreadyPatched(spec: ProviderSpec, moduleExports: unknown): boolean {
  const client = spec.clientClass(moduleExports);
  if (client === undefined) return false;
  return spec.targets.some((t) => {
    let node: unknown = client;
    for (const key of t.path) node = (node as Record<string, unknown> | undefined)?.[key];
    return isWrapped((node as { prototype?: Record<string, unknown> } | undefined)?.prototype?.[t.method]);
  });
}

/**
 * The OpenTelemetry `Instrumentation` of a provider. A provider package subclasses it and sets the static
 * `spec`: the base constructor calls `init()` before any instance field exists, but statics are there.
 */
export abstract class ProviderInstrumentation extends InstrumentationBase<ProviderInstrumentationConfig> {
  static spec: ProviderSpec;
  /**
   * Further SDKs the same package instruments with the same mappings (Anthropic's Bedrock and Vertex
   * clients beside `@anthropic-ai/sdk`); they share the instrumentation's scope, config and providers.
   */
  static moreSpecs: readonly ProviderSpec[] = [];
  // `declare`: the base constructor calls our overrides before field initializers would run, and an
  // initializer would then wipe what they set.
  declare private telemetry: Telemetry | undefined;
  declare private tracerProviderSet: TracerProvider | undefined;
  declare private meterProviderSet: MeterProvider | undefined;
  declare private ready: boolean | undefined;

  constructor(config: ProviderInstrumentationConfig = {}) {
    const spec = (new.target as unknown as typeof ProviderInstrumentation).spec;
    super(spec.packageName, spec.packageVersion, config);
    this.ready = true;
  }

  private get spec(): ProviderSpec {
    return (this.constructor as typeof ProviderInstrumentation).spec;
  }

  /** The recorder every patched method uses; rebuilt when the config changes. */
  get recorder(): Telemetry {
    if (this.telemetry === undefined) {
      const spec = this.spec;
      const telemetry = new Telemetry(this.getConfig(), { name: spec.packageName, version: spec.packageVersion });
      if (this.tracerProviderSet !== undefined) telemetry.setTracerProvider(this.tracerProviderSet);
      if (this.meterProviderSet !== undefined) telemetry.setMeterProvider(this.meterProviderSet);
      this.telemetry = telemetry;
    }
    return this.telemetry;
  }

  protected init() {
    const cls = this.constructor as typeof ProviderInstrumentation;
    return [cls.spec, ...cls.moreSpecs].map(
      (spec) =>
        new InstrumentationNodeModuleDefinition(
          spec.moduleName,
          [spec.supportedVersions],
          (moduleExports) => {
            patchModule(spec, moduleExports, () => this.recorder);
            return moduleExports;
          },
          (moduleExports) => {
            if (moduleExports !== undefined) unpatchModule(spec, moduleExports);
          },
        ),
    );
  }

  // The base constructor passes the global providers; until a provider is given explicitly we resolve
  // the global one at each use, because an app may register its SDK after creating us.
  override setTracerProvider(provider: TracerProvider): void {
    super.setTracerProvider(provider);
    if (!this.ready) return;
    this.tracerProviderSet = provider;
    this.telemetry?.setTracerProvider(provider);
  }

  override setMeterProvider(provider: MeterProvider): void {
    super.setMeterProvider(provider);
    // `registerInstrumentations()` passes the global provider, which is a no-op until an SDK registers
    // one (the metrics API has no proxy): pinning it would lose every metric. Resolve the global lazily.
    if (!this.ready || provider === metrics.getMeterProvider()) return;
    this.meterProviderSet = provider;
    this.telemetry?.setMeterProvider(provider);
  }

  override setConfig(config: ProviderInstrumentationConfig = {}): void {
    super.setConfig(config);
    this.telemetry = undefined;
  }
}
