/**
 * `promptscope label` from a terminal: a separate process, configured only by OTEL_* variables, records a
 * manual label in the completion's trace and flushes before it exits.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { encodeFeedbackToken } from '@promptscope/feedback';
import { type OtlpReceiver, startOtlpReceiver } from '@promptscope/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';

let receiver: OtlpReceiver;
beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first (this test spawns the CLI)`);
  receiver = await startOtlpReceiver();
});
afterAll(() => receiver.close());
beforeEach(() => receiver.reset());

function label(args: string[], extraEnv: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; ms: number }>((resolve, reject) => {
    const started = Date.now();
    const env: Record<string, string | undefined> = {
      ...process.env,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: 'promptscope-cli-test',
      ...extraEnv,
    };
    delete env.PROMPTSCOPE_FEEDBACK_SECRET;
    Object.assign(env, extraEnv);
    const child = spawn(process.execPath, [BIN, 'label', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

describe('promptscope label', () => {
  it('records a label from a feedback token, in the completion trace, flushed before exit', async () => {
    const token = encodeFeedbackToken({
      traceId: TRACE,
      spanId: SPAN,
      traceFlags: 1,
      promptName: 'support-reply',
      promptVersion: '2',
      promptLabel: 'production',
      model: 'gpt-4o-mini',
    });
    const r = await label([token, '--name', 'correctness', '--value', '0', '--comment', 'wrong refund policy']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`labelled trace ${TRACE} span ${SPAN}: correctness = 0\n`);
    // Already exported when the process exited: no waiting.
    const events = receiver.logs().filter((l) => l.eventName === 'gen_ai.evaluation.result');
    expect(events).toHaveLength(1);
    expect(events[0]!.traceId).toBe(TRACE);
    expect(events[0]!.spanId).toBe(SPAN);
    expect(events[0]!.attributes).toMatchObject({
      'gen_ai.evaluation.name': 'correctness',
      'gen_ai.evaluation.explanation': 'wrong refund policy',
      'promptscope.feedback.kind': 'label',
      'promptscope.feedback.source': 'annotator',
      'gen_ai.prompt.name': 'support-reply',
    });
  });

  it('records a label from a raw trace id and span id, with a category value', async () => {
    const r = await label([
      TRACE,
      '--span',
      SPAN,
      '--name',
      'topic',
      '--value',
      'billing',
      '--categories',
      'billing,shipping',
    ]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const events = receiver.logs().filter((l) => l.eventName === 'gen_ai.evaluation.result');
    expect(events.map((e) => [e.traceId, e.spanId, e.attributes['gen_ai.evaluation.name']])).toEqual([
      [TRACE, SPAN, 'topic'],
    ]);
  });

  it('refuses a token that does not match the configured secret, exporting nothing', async () => {
    const token = encodeFeedbackToken({ traceId: TRACE, spanId: SPAN, traceFlags: 1 }, { secret: 'a'.repeat(32) });
    const r = await label([token, '--name', 'x', '--value', '1'], { PROMPTSCOPE_FEEDBACK_SECRET: 'b'.repeat(32) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^promptscope: Feedback token signature does not match/);
    expect(receiver.requests).toHaveLength(0);
  });
});
