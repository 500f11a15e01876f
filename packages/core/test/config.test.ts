import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULTS, resolveConfig } from '../src/config.js';

const quiet = () => {};

describe('resolveConfig', () => {
  it('has privacy-first defaults', () => {
    const c = resolveConfig({}, {}, quiet);
    expect(c.captureContent).toBe(false);
    expect(c.streamUsage).toBe(true);
    expect(c.semconv).toBe('default');
    expect(c.contentMaxBytes).toBe(DEFAULTS.contentMaxBytes);
  });

  it('reads the conventions’ capture variable in its several spellings', () => {
    for (const v of ['true', 'TRUE', '1', 'span_only', 'SPAN_AND_EVENT']) {
      expect(resolveConfig({}, { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: v }, quiet).captureContent).toBe(
        true,
      );
    }
    for (const v of ['false', 'no_content', 'event_only', '0']) {
      expect(resolveConfig({}, { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: v }, quiet).captureContent).toBe(
        false,
      );
    }
  });

  it('warns on a bad environment value, names it, and keeps the default', () => {
    const warnings: string[] = [];
    const c = resolveConfig(
      {},
      {
        OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'maybe',
        PROMPTSCOPE_CONTENT_MAX_BYTES: '-3',
        PROMPTSCOPE_SEMCONV: 'newest',
      },
      (m) => warnings.push(m),
    );
    expect(c.captureContent).toBe(false);
    expect(c.contentMaxBytes).toBe(DEFAULTS.contentMaxBytes);
    expect(c.semconv).toBe('default');
    expect(warnings).toHaveLength(3);
    expect(warnings.join('\n')).toContain('OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT="maybe"');
    expect(warnings.join('\n')).toContain('PROMPTSCOPE_CONTENT_MAX_BYTES="-3"');
    expect(warnings.join('\n')).toContain('PROMPTSCOPE_SEMCONV="newest"');
  });

  it('options win over the environment', () => {
    const c = resolveConfig(
      { captureContent: false, semconv: 'default' },
      { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true', PROMPTSCOPE_SEMCONV: 'latest' },
      quiet,
    );
    expect(c.captureContent).toBe(false);
    expect(c.semconv).toBe('default');
  });

  it('takes the latest names from the semconv opt-in list too', () => {
    expect(resolveConfig({}, { OTEL_SEMCONV_STABILITY_OPT_IN: 'http,gen_ai_latest_experimental' }, quiet).semconv).toBe(
      'latest',
    );
  });

  it('bounds content by an SDK value-length limit, so the SDK never cuts JSON', () => {
    expect(resolveConfig({}, { OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '4096' }, quiet).contentMaxBytes).toBe(4096);
    expect(resolveConfig({}, { OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '100000' }, quiet).contentMaxBytes).toBe(
      DEFAULTS.contentMaxBytes,
    );
  });

  it('throws a ConfigError naming the option for bad options', () => {
    expect(() => resolveConfig({ captureContent: 'yes' as unknown as boolean }, {}, quiet)).toThrow(ConfigError);
    expect(() => resolveConfig({ contentMaxBytes: 0 }, {}, quiet)).toThrow(/contentMaxBytes/);
    expect(() => resolveConfig({ prices: [{ match: 'x', input_mtok: -1, output_mtok: 1 }] }, {}, quiet)).toThrow(
      /prices\[0\]\.input_mtok/,
    );
  });
});
