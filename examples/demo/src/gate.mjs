/**
 * One gate run, after the demo's traffic: `support-reply` v2 (the canary) against v1 (production) over the
 * bank in `../prompt-tests`, exactly what `promptscope test support-reply --candidate 2 --baseline production`
 * does, through @promptscope/eval and the real openai SDK against the same fake provider. The fake answers
 * each version its own way (`gateScenario`): v2's wordier answers cost more, come slower, and promise what
 * support cannot guarantee, so the gate fails on a new failure.
 */
import { fileURLToPath } from 'node:url';
import { bankPath, formatTerminal, loadBank, resolveTarget, runSuite } from '@promptscope/eval';
import { Registry } from '@promptscope/prompts';
import { describeRequest, PROMPT_NAME, PROMPTS_DIR } from './prompts.mjs';

export const BANK_DIR = fileURLToPath(new URL('../prompt-tests', import.meta.url));

/** The gate's policy in the demo: the defaults, plus budgets against the baseline. */
export const GATE_POLICY = { minPassRate: 1, maxNewFailures: 0, maxCostIncrease: 0.25, maxLatencyIncrease: 0.5 };

const V1 = {
  0: 'Sorry about the double charge: I have issued a refund for the second payment; it shows within 5 days.',
  1: 'This is a known issue on our side; follow the incident on our status page, no action is needed.',
  2: 'Create a second key, deploy it, then revoke the old key: no downtime.',
  6: 'Done: the add-on is cancelled and you will not be billed for it.',
  7: 'We are looking into the eu-west latency since the deploy and will update the incident page.',
};
const V2_OPENING = 'Thank you so much for reaching out, and I completely understand how frustrating this is! ';
const V2 = {
  ...V1,
  7: 'I am sorry for the slowdown. 1. We rolled back the deploy. 2. We guarantee latency is back to normal within the hour.',
};

/**
 * @returns {(req: import('@promptscope/testing').ScriptRequest) => import('@promptscope/testing').Script}
 */
export function gateScenario() {
  return (req) => {
    const { version, ticket } = describeRequest(req.body);
    const v2 = version === '2';
    const text = (v2 ? V2 : V1)[/** @type {keyof typeof V1} */ (ticket ?? 0)] ?? V1[0];
    return {
      content: v2 ? V2_OPENING + text : text,
      chunks: 6,
      firstChunkDelayMs: v2 ? 60 : 25,
      chunkDelayMs: 5,
      usage: v2 ? { input: 104, output: 96 } : { input: 58, output: 40 },
    };
  };
}

/**
 * Runs the gate against the fake provider at `baseUrl` and returns the report and its terminal text.
 * @param {{ baseUrl: string, promptsDir?: string }} opts
 */
export async function gateRun({ baseUrl, promptsDir = PROMPTS_DIR }) {
  const registry = new Registry(promptsDir);
  const report = await runSuite({
    bank: await loadBank(bankPath(BANK_DIR, PROMPT_NAME)),
    candidate: await resolveTarget(registry, PROMPT_NAME, '2'),
    baseline: await resolveTarget(registry, PROMPT_NAME, 'production'),
    policy: GATE_POLICY,
    env: { OPENAI_BASE_URL: baseUrl, OPENAI_API_KEY: 'sk-demo-not-a-real-key' },
    // The demo never reuses answers: every run shows the calls it makes.
    cacheDir: undefined,
  });
  return { report, text: formatTerminal(report) };
}
