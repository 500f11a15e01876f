import { type MeterProvider, metrics, type TracerProvider } from '@opentelemetry/api';
import {
  InstrumentationBase,
  type InstrumentationConfig,
  InstrumentationNodeModuleDefinition,
} from '@opentelemetry/instrumentation';
import { type PromptscopeConfig, Telemetry } from '@promptscope/core';
import { patchOpenAI, unpatchOpenAI } from './patch.js';
import { PACKAGE_NAME, PACKAGE_VERSION, SUPPORTED_VERSIONS } from './version.js';

export interface OpenAIInstrumentationConfig extends InstrumentationConfig, PromptscopeConfig {}

/**
 * Patches `openai` (v4 to v7) when it is loaded, through `require` or `import` (the ESM loader hook must
 * be registered; `@promptscope/register` does it). For bundled apps, see `instrument()`.
 */
export class OpenAIInstrumentation extends InstrumentationBase<OpenAIInstrumentationConfig> {
  // `declare`: the base constructor calls our overrides before field initializers would run, and an
  // initializer would then wipe what they set.
  declare private telemetry: Telemetry | undefined;
  declare private tracerProviderSet: TracerProvider | undefined;
  declare private meterProviderSet: MeterProvider | undefined;
  declare private ready: boolean | undefined;

  constructor(config: OpenAIInstrumentationConfig = {}) {
    super(PACKAGE_NAME, PACKAGE_VERSION, config);
    this.ready = true;
  }

  /** The recorder every patched method uses; rebuilt when the config changes. */
  get recorder(): Telemetry {
    if (this.telemetry === undefined) {
      const telemetry = new Telemetry(this.getConfig(), { name: PACKAGE_NAME, version: PACKAGE_VERSION });
      if (this.tracerProviderSet !== undefined) telemetry.setTracerProvider(this.tracerProviderSet);
      if (this.meterProviderSet !== undefined) telemetry.setMeterProvider(this.meterProviderSet);
      this.telemetry = telemetry;
    }
    return this.telemetry;
  }

  protected init() {
    return [
      new InstrumentationNodeModuleDefinition(
        'openai',
        [SUPPORTED_VERSIONS],
        (moduleExports) => {
          patchOpenAI(moduleExports, () => this.recorder);
          return moduleExports;
        },
        (moduleExports) => {
          if (moduleExports !== undefined) unpatchOpenAI(moduleExports);
        },
      ),
    ];
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

  override setConfig(config: OpenAIInstrumentationConfig = {}): void {
    super.setConfig(config);
    this.telemetry = undefined;
  }
}
