import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type FakeProvider, type OtlpReceiver, startFakeProvider, startOtlpReceiver } from '@promptscope/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

// Process tests: the built package (`npm run build -w @promptscope/register`, after core and
// instrumentation-openai) loaded the way users load it, exporting OTLP/HTTP to a receiver.

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const SECRET = 'sk-test-SECRET-6f1d9c2e7a4b';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  exitedAt: number;
  lines: Record<string, unknown>[];
}

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(OTEL_|PROMPTSCOPE_|OPENAI_|ANTHROPIC_|NODE_OPTIONS$|VITEST)/.test(k)) continue;
    env[k] = v;
  }
  return env;
}

function run(
  args: string[],
  env: Record<string, string>,
  opts: { timeoutMs?: number; onLine?: (line: Record<string, unknown>, child: ChildProcess) => void } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: fixtures, env: { ...cleanEnv(), ...env } });
    let stdout = '';
    let stderr = '';
    const lines: Record<string, unknown>[] = [];
    let pending = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      pending += d;
      let nl = pending.indexOf('\n');
      while (nl >= 0) {
        const text = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        try {
          const line = JSON.parse(text) as Record<string, unknown>;
          lines.push(line);
          opts.onLine?.(line, child);
        } catch {
          // not ours
        }
        nl = pending.indexOf('\n');
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`child did not exit within ${opts.timeoutMs ?? 15_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`),
      );
    }, opts.timeoutMs ?? 15_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      // 'exit' can precede the last 'data'; give the pipes a tick.
      setImmediate(() => resolve({ code, signal, stdout, stderr, exitedAt: Date.now(), lines }));
    });
  });
}

function result(r: Run): Record<string, unknown> {
  const line = r.lines.find((l) => l.ok === true);
  if (line === undefined) throw new Error(`the app did not finish\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return line;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

let fake: FakeProvider;
let receiver: OtlpReceiver;

beforeAll(async () => {
  for (const pkg of [
    'core',
    'instrumentation-openai',
    'instrumentation-anthropic',
    'instrumentation-google-genai',
    'instrumentation-bedrock',
    'instrumentation-mistral',
    'register',
  ]) {
    const dist = fileURLToPath(new URL(`../../${pkg}/dist/index.js`, import.meta.url));
    if (!existsSync(dist))
      throw new Error(`${dist} is missing: run \`npm run build\` first (process tests use the builds)`);
  }
  fake = await startFakeProvider({ defaultScript: { usage: { input: 11, output: 7 } } });
  receiver = await startOtlpReceiver();
});

afterAll(async () => {
  await fake?.close();
  await receiver?.close();
});

beforeEach(() => {
  receiver.reset();
});

function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    FAKE_URL: fake.url,
    FAKE_ORIGIN: fake.origin,
    OPENAI_API_KEY: SECRET,
    ANTHROPIC_API_KEY: SECRET,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_METRIC_EXPORT_INTERVAL: '300',
    ...extra,
  };
}

function assertNoSecret(): void {
  expect(receiver.requests.length).toBeGreaterThan(0);
  for (const req of receiver.requests) {
    expect(req.body.includes(SECRET), `secret in ${req.path}`).toBe(false);
    expect(req.body.includes('SECRET'), `secret in ${req.path}`).toBe(false);
  }
}

const APPS = [
  { name: 'ESM app with --import', args: ['--import', '@promptscope/register', 'app.mjs'] },
  { name: 'CJS app with -r', args: ['-r', '@promptscope/register', 'app.cjs'] },
  { name: 'CJS app with --import', args: ['--import', '@promptscope/register', 'app.cjs'] },
];

describe.each(APPS)('$name', ({ args }) => {
  it.each(['http/protobuf', 'http/json'])(
    'exports spans and metrics over %s, and never the API key',
    async (protocol) => {
      const service = `register-test-${protocol.replace('/', '-')}`;
      const r = await run(
        args,
        baseEnv({
          OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
          OTEL_SERVICE_NAME: service,
          OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test,team=llm',
        }),
      );
      expect(r.code, r.stderr).toBe(0);
      const out = result(r);
      expect(out.mode).toBe('sdk');
      expect(out.patched).toBe(true);
      expect(out.plain).toBeTypeOf('string');
      expect(out.streamed).toBe(out.plain);

      // Everything was flushed before the process exited.
      const expectedType = protocol === 'http/json' ? 'application/json' : 'application/x-protobuf';
      for (const req of receiver.requests) expect(req.contentType).toContain(expectedType);
      const spans = receiver.spans().filter((s) => s.name === 'chat gpt-4o-mini');
      expect(spans).toHaveLength(2);
      for (const span of spans) {
        expect(span.kind).toBe(3);
        expect(span.resource['service.name']).toBe(service);
        expect(span.resource['deployment.environment.name']).toBe('test');
        expect(span.resource.team).toBe('llm');
        expect(span.attributes['gen_ai.operation.name']).toBe('chat');
        expect(span.attributes['gen_ai.provider.name']).toBe('openai');
        expect(span.attributes['gen_ai.request.model']).toBe('gpt-4o-mini');
        expect(span.attributes['gen_ai.usage.input_tokens']).toBe(11);
        expect(span.attributes['gen_ai.usage.output_tokens']).toBe(7);
      }
      const names = new Set(receiver.metrics().map((m) => m.name));
      expect(names).toContain('gen_ai.client.operation.duration');
      expect(names).toContain('gen_ai.client.token.usage');
      const duration = receiver.metrics().find((m) => m.name === 'gen_ai.client.operation.duration');
      expect(duration?.resource['service.name']).toBe(service);
      expect(duration?.points[0]?.attributes['gen_ai.request.model']).toBe('gpt-4o-mini');
      assertNoSecret();
    },
  );
});

describe("the operation histograms, from promptscope's MetricProducer on the hook's reader", () => {
  it.each([
    { preference: 'cumulative', temporality: 2 },
    { preference: 'delta', temporality: 1 },
  ])('count each call once, $preference as the exporter asks', async ({ preference, temporality }) => {
    const r = await run(
      ['--import', '@promptscope/register', 'app.mjs'],
      baseEnv({ OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: preference }),
    );
    expect(r.code, r.stderr).toBe(0);
    const durations = receiver.metrics().filter((m) => m.name === 'gen_ai.client.operation.duration');
    expect(durations.length).toBeGreaterThan(0);
    for (const m of durations) {
      expect(m.type).toBe('histogram');
      expect(m.temporality).toBe(temporality);
      expect(m.scope).toBe('@promptscope/instrumentation-openai');
      expect(m.points.every((p) => (p.bucketCounts ?? []).reduce((a, b) => a + b, 0) === p.count)).toBe(true);
    }
    // The app makes two calls (plain, streamed) with the same metric attributes: one series.
    const counts = durations.flatMap((m) => m.points.map((p) => p.count ?? 0));
    if (preference === 'delta') expect(counts.reduce((a, b) => a + b, 0)).toBe(2);
    else expect(Math.max(...counts)).toBe(2);
  });
});

describe.each([
  { name: 'ESM Anthropic app with --import', args: ['--import', '@promptscope/register', 'anthropic.mjs'] },
  { name: 'CJS Anthropic app with -r', args: ['-r', '@promptscope/register', 'anthropic.cjs'] },
])('$name', ({ args }) => {
  it('is instrumented with no extra line: one span per call, ours, with tokens', async () => {
    const r = await run(args, baseEnv({ OTEL_SERVICE_NAME: 'anthropic-app' }));
    expect(r.code, r.stderr).toBe(0);
    expect(result(r).plain).toBe('Hello from the fake provider.');
    await receiver.waitFor(() => receiver.spans().length >= 2);
    const spans = receiver.spans();
    // The SDK (1.x) would add its own span per call; on instrumented clients it is off.
    expect(spans.map((s) => s.scope)).toEqual([
      '@promptscope/instrumentation-anthropic',
      '@promptscope/instrumentation-anthropic',
    ]);
    for (const span of spans) {
      expect(span.name).toBe('chat claude-haiku-4-5');
      expect(span.attributes['gen_ai.provider.name']).toBe('anthropic');
      expect(span.attributes['gen_ai.usage.output_tokens']).toBe(7);
    }
    assertNoSecret();
  });
});

describe.each([
  { name: '-r', args: ['-r', '@promptscope/register', 'dynamic-import.cjs'] },
  { name: '--import', args: ['--import', '@promptscope/register', 'dynamic-import.cjs'] },
])('a CommonJS app loading both SDKs with import(), started with $name', ({ args }) => {
  it('exports one span per call, with tokens, and warns about nothing', async () => {
    const r = await run(args, baseEnv({ OTEL_SERVICE_NAME: 'dynamic-import-app' }));
    expect(r.code, r.stderr).toBe(0);
    const out = result(r);
    expect(out.chat).toBe('Hello from the fake provider.');
    expect(out.message).toBe('Hello from the fake provider.');
    await receiver.waitFor(() => receiver.spans().length >= 2);
    const spans = receiver.spans();
    expect(spans.map((s) => [s.scope, s.name]).sort()).toEqual([
      ['@promptscope/instrumentation-anthropic', 'chat claude-haiku-4-5'],
      ['@promptscope/instrumentation-openai', 'chat gpt-4o-mini'],
    ]);
    for (const span of spans) expect(span.attributes['gen_ai.usage.output_tokens']).toBe(7);
    const names = new Set(receiver.metrics().map((m) => m.name));
    expect(names).toContain('gen_ai.client.operation.duration');
    expect(r.stderr).not.toContain('PROMPTSCOPE_REGISTER');
    assertNoSecret();
  });
});

describe('configuration', () => {
  it('OTEL_SDK_DISABLED=true: exports nothing, patches nothing, the app still works', async () => {
    for (const args of [APPS[0].args, APPS[1].args]) {
      const r = await run(args, baseEnv({ OTEL_SDK_DISABLED: 'true' }));
      expect(r.code, r.stderr).toBe(0);
      const out = result(r);
      expect(out.plain).toBeTypeOf('string');
      expect(out.mode).toBe('none');
      expect(out.patched).toBe(false);
    }
    expect(receiver.requests).toHaveLength(0);
  });

  it('an unknown OTEL_EXPORTER_OTLP_PROTOCOL warns, naming the variable and accepted values, and uses http/protobuf', async () => {
    const r = await run(APPS[0].args, baseEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('OTEL_EXPORTER_OTLP_PROTOCOL="grpc"');
    expect(r.stderr).toContain('http/protobuf, http/json');
    expect(r.stderr.match(/OTEL_EXPORTER_OTLP_PROTOCOL/g)).toHaveLength(1);
    expect(receiver.spans().filter((s) => s.name === 'chat gpt-4o-mini')).toHaveLength(2);
    for (const req of receiver.requests) expect(req.contentType).toContain('application/x-protobuf');
  });

  it('OTEL_TRACES_SAMPLER=always_off drops spans but keeps metrics', async () => {
    const r = await run(APPS[0].args, baseEnv({ OTEL_TRACES_SAMPLER: 'always_off' }));
    expect(r.code, r.stderr).toBe(0);
    expect(receiver.spans()).toHaveLength(0);
    expect(receiver.metrics().map((m) => m.name)).toContain('gen_ai.client.operation.duration');
  });

  it('OTEL_TRACES_EXPORTER=console prints each span on stdout; otlp,console sends them to both', async () => {
    const consoleOnly = await run(APPS[0].args, baseEnv({ OTEL_TRACES_EXPORTER: 'console' }));
    expect(consoleOnly.code, consoleOnly.stderr).toBe(0);
    expect(result(consoleOnly).plain).toBeTruthy();
    // The SDK's ConsoleSpanExporter prints util.inspect of each span: its name and attributes.
    expect(consoleOnly.stdout.match(/name: 'chat gpt-4o-mini'/g)).toHaveLength(2);
    expect(consoleOnly.stdout).toContain("'gen_ai.usage.output_tokens': 7");
    expect(consoleOnly.stdout).not.toContain(SECRET);
    expect(consoleOnly.stderr).not.toContain('PROMPTSCOPE_REGISTER');
    expect(receiver.spans()).toHaveLength(0);
    expect(receiver.metrics().map((m) => m.name)).toContain('gen_ai.client.operation.duration');

    receiver.reset();
    const both = await run(APPS[0].args, baseEnv({ OTEL_TRACES_EXPORTER: 'otlp,console' }));
    expect(both.code, both.stderr).toBe(0);
    expect(both.stdout.match(/name: 'chat gpt-4o-mini'/g)).toHaveLength(2);
    expect(receiver.spans().map((sp) => sp.name)).toEqual(['chat gpt-4o-mini', 'chat gpt-4o-mini']);
  });

  it('OTEL_METRICS_EXPORTER=prometheus serves the metrics for a scrape, with no collector', async () => {
    const port = await closedPort();
    let scraped = '';
    const r = await run(
      APPS[0].args,
      baseEnv({
        OTEL_METRICS_EXPORTER: 'prometheus',
        OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
        OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
        WAIT_FOR_SIGNAL: 'own-handler',
      }),
      {
        onLine(line, child) {
          if (line.ready !== true) return;
          fetch(`http://127.0.0.1:${port}/metrics`)
            .then((res) => res.text())
            .then(
              (text) => {
                scraped = text;
              },
              (err: Error) => {
                scraped = `scrape failed: ${err.message}`;
              },
            )
            .finally(() => child.kill('SIGTERM'));
        },
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('PROMPTSCOPE_REGISTER');
    // Both calls in one series. The SDK's exporter adds no unit suffix: `_duration_count`, where the
    // collector's Prometheus exporter writes `_duration_seconds_count`.
    expect(scraped).toMatch(/^gen_ai_client_operation_duration_count\{.*gen_ai_request_model="gpt-4o-mini".*\} 2$/m);
    expect(scraped).toContain('gen_ai_client_token_usage');
    expect(scraped).not.toContain(SECRET);
    // Metrics went to the scrape only; spans still went over OTLP.
    expect(receiver.metrics()).toHaveLength(0);
    expect(receiver.spans().filter((sp) => sp.name === 'chat gpt-4o-mini')).toHaveLength(2);
  });

  it('per-signal endpoints are used as given', async () => {
    const r = await run(
      APPS[0].args,
      baseEnv({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${receiver.url}/v1/metrics`,
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${receiver.url}/v1/logs`,
        PROMPTSCOPE_SHUTDOWN_TIMEOUT_MS: '3000',
      }),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(receiver.spans().filter((s) => s.name === 'chat gpt-4o-mini')).toHaveLength(2);
    expect(receiver.metrics().map((m) => m.name)).toContain('gen_ai.client.token.usage');
  });

  it('PROMPTSCOPE_SDK=off: instruments, starts no SDK, exports nothing by itself', async () => {
    const r = await run(APPS[0].args, baseEnv({ PROMPTSCOPE_SDK: 'off' }));
    expect(r.code, r.stderr).toBe(0);
    const out = result(r);
    expect(out.mode).toBe('instrumentation-only');
    expect(out.patched).toBe(true);
    expect(receiver.requests).toHaveLength(0);
  });
});

describe('an app with its own SDK', () => {
  it('gets the instrumentation only: one SDK, spans exported through the app exporter', async () => {
    const r = await run(
      ['--import', './own-sdk.mjs', '--import', '@promptscope/register', 'app.mjs'],
      baseEnv({ OWN_TRACES_URL: `${receiver.url}/v1/traces`, OTEL_SERVICE_NAME: 'register-would-be' }),
    );
    expect(r.code, r.stderr).toBe(0);
    const out = result(r);
    expect(out.mode).toBe('instrumentation-only');
    expect(out.patched).toBe(true);
    const spans = receiver.spans().filter((s) => s.name === 'chat gpt-4o-mini');
    expect(spans).toHaveLength(2);
    expect(new Set(spans.map((s) => s.spanId)).size).toBe(2);
    // Nothing came from a second SDK: every request carries the app's resource.
    for (const s of receiver.spans()) expect(s.resource['app.sdk']).toBe('own');
    for (const m of receiver.metrics()) expect(m.resource['app.sdk']).toBe('own');
    expect(receiver.requests.every((q) => q.path === '/v1/traces')).toBe(true);
  });
});

describe('shutdown', () => {
  it('a dead collector does not hold the process past the shutdown deadline', async () => {
    const deadline = 1000;
    const port = await closedPort();
    for (const args of [APPS[0].args, APPS[1].args]) {
      const r = await run(
        args,
        baseEnv({
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
          OTEL_METRIC_EXPORT_INTERVAL: '100',
          PROMPTSCOPE_SHUTDOWN_TIMEOUT_MS: String(deadline),
        }),
      );
      expect(r.code, r.stderr).toBe(0);
      const out = result(r);
      // A behaviour bound, not a benchmark: the deadline plus a generous margin for process teardown.
      expect(r.exitedAt - (out.doneAt as number)).toBeLessThan(deadline + 2000);
    }
  });

  it('SIGTERM with no app listener: flushes, then dies of the signal as it would have', async () => {
    const r = await run(APPS[0].args, baseEnv({ WAIT_FOR_SIGNAL: 'default' }), {
      onLine: (line, child) => {
        if (line.ready) child.kill('SIGTERM');
      },
    });
    expect(r.signal, r.stderr).toBe('SIGTERM');
    expect(receiver.spans().filter((s) => s.name === 'chat gpt-4o-mini')).toHaveLength(2);
  });

  it('SIGTERM with an app listener: only flushes; the app decides (here: exits 0)', async () => {
    const r = await run(APPS[0].args, baseEnv({ WAIT_FOR_SIGNAL: 'own-handler' }), {
      onLine: (line, child) => {
        if (line.ready) child.kill('SIGTERM');
      },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.signal).toBe(null);
    expect(r.lines.some((l) => l.appHandler === true)).toBe(true);
    expect(receiver.spans().filter((s) => s.name === 'chat gpt-4o-mini')).toHaveLength(2);
  });
});
