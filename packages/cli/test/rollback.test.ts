/**
 * The rollback promise, end to end: an app keeps serving completions (openai v6, instrumented, against the
 * fake provider) with the prompt its registry client resolves for `production`, while another process runs
 * `promptscope prompt rollback`. Spans before carry v2, spans after (within the TTL and a margin) carry v1:
 * no restart, no failed completion.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { instrument } from '@promptscope/instrumentation-openai';
import { createPromptClient, Registry } from '@promptscope/prompts';
import { useEnv } from '@promptscope/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const TTL_MS = 300;
/** Scheduling slack on a loaded CI machine: the switch must land within TTL + this. */
const MARGIN_MS = 700;

const V1 = `name: support-reply
version: 1
model: gpt-4o-mini
messages:
  - role: system
    content: "v1: You answer questions about {{product}}."
  - role: user
    content: "{{question}}"
variables:
  product: string
  question: string
`;
const V2 = V1.replace('version: 1', 'version: 2').replace('v1: You answer', 'v2: You kindly answer');

const env = useEnv();
// biome-ignore lint/suspicious/noExplicitAny: the openai v6 module namespace
let OpenAI: any;
let uninstrument: () => void;
beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first (this test spawns the CLI)`);
  const mod = await import('openai-v6');
  OpenAI = mod.OpenAI ?? mod.default;
  uninstrument = instrument(mod).uninstrument;
});
afterAll(() => uninstrument?.());

async function waitFor(pred: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out waiting for completions');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; endedAt: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, endedAt: Date.now() }));
  });
}

describe.each([
  { watch: true, how: 'a watched folder' },
  { watch: false, how: 'a folder re-read on TTL expiry' },
])('rollback while serving, from $how', ({ watch }) => {
  it('moves production from v2 to v1 within the TTL, with no restart and no failed completion', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'promptscope-rollback-'));
    const prompts = createPromptClient({ source: { dir, watch }, ttlMs: TTL_MS, env: {} });
    try {
      const registry = new Registry(dir);
      await registry.create('support-reply', { yaml: V1 });
      await registry.create('support-reply', { yaml: V2 });
      await registry.promote('support-reply', 1, 'production');
      await registry.promote('support-reply', 2, 'production');

      const openai = new OpenAI({ apiKey: 'sk-test', baseURL: env.fake.url, maxRetries: 0 });
      const served: Array<{ at: number; version: number; ok: boolean; error?: string }> = [];
      let stop = false;
      const app = (async () => {
        for (let i = 0; !stop; i++) {
          const at = Date.now();
          const prompt = await prompts.get('support-reply', { label: 'production' });
          try {
            const res = await prompt.run(() =>
              openai.chat.completions.create(prompt.request({ product: 'Acme', question: `question ${i}` })),
            );
            served.push({ at, version: prompt.version, ok: typeof res.choices[0].message.content === 'string' });
          } catch (err) {
            served.push({ at, version: prompt.version, ok: false, error: String(err) });
          }
          await new Promise((r) => setTimeout(r, 15));
        }
      })();

      // Serve a while on v2 (by count, not time: a loaded machine is slow to warm up).
      await waitFor(() => served.length >= 10);
      const startedAt = Date.now();
      const cli = await runCli(['prompt', 'rollback', 'support-reply', '--dir', dir, '--note', 'bad tone']);
      expect(cli.stderr).toBe('');
      expect(cli.code).toBe(0);
      expect(cli.stdout).toContain('production v2 -> v1');
      const deadline = cli.endedAt + TTL_MS + MARGIN_MS;
      await waitFor(() => served.filter((s) => s.at > deadline).length >= 10);
      stop = true;
      await app;

      // Every completion succeeded, through the switch.
      expect(served.filter((s) => !s.ok)).toEqual([]);
      const before = served.filter((s) => s.at < startedAt);
      const after = served.filter((s) => s.at > deadline);
      expect(before.length).toBeGreaterThan(5);
      expect(after.length).toBeGreaterThan(5);
      expect(new Set(before.map((s) => s.version))).toEqual(new Set([2]));
      expect(new Set(after.map((s) => s.version))).toEqual(new Set([1]));
      // One switch, never back.
      const firstV1 = served.findIndex((s) => s.version === 1);
      expect(served.slice(firstV1).every((s) => s.version === 1)).toBe(true);

      // The spans say the same: one per completion, in order, with name, version and label.
      const spans = env.harness
        .spans()
        .filter((s) => s.name.startsWith('chat '))
        .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
      expect(spans).toHaveLength(served.length);
      expect(spans.map((s) => s.attributes['gen_ai.prompt.version'])).toEqual(served.map((s) => String(s.version)));
      expect(new Set(spans.map((s) => s.attributes['gen_ai.prompt.name']))).toEqual(new Set(['support-reply']));
      expect(new Set(spans.map((s) => s.attributes['promptscope.prompt.label']))).toEqual(new Set(['production']));

      // And the provider got the rendered v1 text after the switch.
      const systems = env.fake.requests.map((r) => r.body.messages[0].content as string);
      expect(systems[0]).toBe('v2: You kindly answer questions about Acme.');
      expect(systems.at(-1)).toBe('v1: You answer questions about Acme.');
    } finally {
      prompts.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
