/**
 * A throwaway workspace for the gate's tests: a prompt registry with three versions of `support-reply`
 * (each with its own system message, so the fake provider can answer per version), a bank folder, a
 * response cache, and the fake provider speaking the real OpenAI and Anthropic wires on loopback.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from '@promptscope/prompts';
import { type FakeProvider, type Script, type ScriptRequest, startFakeProvider } from '@promptscope/testing';
import { DEFAULT_POLICY, loadBank, resolveTarget, type SuiteOptions, type Target } from '../src/index.js';

export const PROMPT = 'support-reply';
export const system = (v: number) => `You answer support tickets for Acme (prompt v${v}).`;

export interface Workspace {
  dir: string;
  registry: Registry;
  bankDir: string;
  bankFile: string;
  cacheDir: string;
  fake: FakeProvider;
  env: Record<string, string>;
  writeBank(text: string): Promise<void>;
  target(ref: string, opts?: { model?: string; provider?: string }): Promise<Target>;
  /** runSuite options for `candidate` (and `baseline`) over the bank as written. */
  suite(candidate: string, baseline?: string, extra?: Partial<SuiteOptions>): Promise<SuiteOptions>;
  close(): Promise<void>;
}

export const BANK = `# the gate's test bank
prompt: support-reply
defaults:
  assert: [{ type: latency, threshold: 8000 }] # every case
cases:
  - id: refund
    description: refund policy
    vars: { ticket: 1, question: "I was charged twice" }
    critical: true
    assert:
      - { type: icontains, value: refund }
  - id: tone
    vars: { ticket: 2, question: "Where is my order?" }
    assert:
      - { type: not-contains, value: guarantee }
  - id: steps
    vars: { ticket: 3, question: "How do I reset my key?" }
    assert:
      - { type: icontains-any, value: [step, steps] }
`;

export async function workspace(): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), 'promptscope-eval-'));
  const registry = new Registry(join(dir, 'prompts'));
  for (const v of [1, 2, 3]) {
    await registry.create(
      PROMPT,
      {
        spec: {
          model: 'gpt-4o-mini',
          parameters: { max_tokens: 100 },
          messages: [
            { role: 'system', content: system(v) },
            { role: 'user', content: 'Ticket #{{ticket}}: {{question}}' },
          ],
          variables: { ticket: { type: 'number' }, question: { type: 'string' } },
        },
      },
      { by: 'test' },
    );
  }
  await registry.promote(PROMPT, 1, 'production', { by: 'test' });
  const bankDir = join(dir, 'prompt-tests');
  await mkdir(bankDir, { recursive: true });
  const bankFile = join(bankDir, `${PROMPT}.yaml`);
  const fake = await startFakeProvider();
  const env = {
    OPENAI_BASE_URL: fake.url,
    OPENAI_API_KEY: 'sk-test-not-a-key',
    ANTHROPIC_BASE_URL: fake.origin,
    ANTHROPIC_API_KEY: 'sk-ant-test',
  };
  const ws: Workspace = {
    dir,
    registry,
    bankDir,
    bankFile,
    cacheDir: join(dir, 'cache'),
    fake,
    env,
    writeBank: (text) => writeFile(bankFile, text),
    target: (ref, opts = {}) => resolveTarget(registry, PROMPT, ref, opts),
    async suite(candidate, baseline, extra = {}) {
      return {
        bank: await loadBank(bankFile),
        candidate: await ws.target(candidate),
        ...(baseline !== undefined ? { baseline: await ws.target(baseline) } : {}),
        policy: { ...DEFAULT_POLICY },
        cacheDir: ws.cacheDir,
        env,
        ...extra,
      };
    },
    async close() {
      await fake.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return ws;
}

/** The version a chat request was rendered from (its system message), or `judge` for a grading request. */
export function versionOf(body: ScriptRequest['body']): number | 'judge' | undefined {
  const messages: { role: string; content: string }[] = body?.messages ?? [];
  const sys = typeof body?.system === 'string' ? body.system : messages.find((m) => m.role === 'system')?.content;
  if (typeof sys !== 'string') return undefined;
  if (sys.startsWith('You grade')) return 'judge';
  const m = /\(prompt v(\d+)\)/.exec(sys);
  return m ? Number(m[1]) : undefined;
}

/** The ticket number in a chat request's user message. */
export function ticketOf(body: ScriptRequest['body']): number | undefined {
  const user = (body?.messages ?? []).find((m: { role: string }) => m.role === 'user')?.content;
  const m = typeof user === 'string' ? /Ticket #(\d+)/.exec(user) : null;
  return m ? Number(m[1]) : undefined;
}

/** Answers by prompt version (and ticket): the fake provider scripted per version. */
export function scriptByVersion(
  fake: FakeProvider,
  answer: (version: number | 'judge' | undefined, ticket: number | undefined, req: ScriptRequest) => Script,
): void {
  fake.script((req) => answer(versionOf(req.body), ticketOf(req.body), req));
}

/** A good answer to every ticket: contains "refund", "steps", no "guarantee". */
export const GOOD = 'Sorry for the trouble: you get a refund in 5 days; the steps are in your account page.';
/** Breaks the `refund` case (no "refund") and the `tone` case ("guarantee"). */
export const BAD = 'We guarantee it will be fine; follow the steps in your account page.';

/** Chat requests made to the provider (not judges, not embeddings). */
export const chatRequests = (fake: FakeProvider) =>
  fake.requests.filter((r) => r.path.endsWith('/chat/completions') || r.path === '/v1/messages');
