/**
 * `llm-rubric`: a judge model grades the output against a rubric and answers JSON. Its reply is checked
 * strictly: not JSON, no boolean `pass`, a `score` outside 0..1 are each an error for that assertion, with
 * the reply quoted; a judge that cannot be understood never passes a case.
 */
import type { PromptProvider } from '@promptscope/prompts';
import type { ChatRequest } from '../run/providers.js';

export interface JudgeSettings {
  provider: PromptProvider;
  model: string;
}

export const DEFAULT_JUDGE: JudgeSettings = { provider: 'openai', model: 'gpt-4o-mini' };

const SYSTEM = [
  'You grade the output of an AI system against a rubric.',
  'Reply with one JSON object and nothing else: {"reason": "<one sentence>", "score": <number from 0 to 1>, "pass": <true or false>}.',
  'pass is true when the output satisfies the rubric.',
].join(' ');

export function judgeRequest(judge: JudgeSettings, rubric: string, output: string): ChatRequest {
  return {
    provider: judge.provider,
    model: judge.model,
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: `<rubric>\n${rubric}\n</rubric>\n<output>\n${output}\n</output>` },
    ],
    params: { temperature: 0, max_tokens: 300 },
    stream: false,
  };
}

export interface JudgeVerdict {
  pass: boolean;
  score: number;
  reason: string;
}

const shown = (s: string) => JSON.stringify(s.length > 200 ? `${s.slice(0, 200)}…` : s);

/** Parses the judge's reply (a fenced block is accepted). Throws an Error naming what is wrong. */
export function parseJudgeReply(reply: string): JudgeVerdict {
  const text = reply.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/i, '$1');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error(`the judge's reply is not JSON: ${shown(reply)}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    throw new Error(`the judge's reply is not a JSON object: ${shown(reply)}`);
  const { pass, score, reason } = doc as Record<string, unknown>;
  if (typeof pass !== 'boolean') throw new Error(`the judge's reply has no boolean "pass": ${shown(reply)}`);
  const n = score === undefined ? (pass ? 1 : 0) : score;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new Error(`the judge's score ${JSON.stringify(score)} is not a number from 0 to 1: ${shown(reply)}`);
  }
  return { pass, score: n, reason: typeof reason === 'string' ? reason : '' };
}
