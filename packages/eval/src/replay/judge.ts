/**
 * The pairwise judge: given the user's request and two answers, which is better and why. The order is
 * randomised per input (seeded by the candidate and the input, so a rerun asks the same questions and hits
 * the cache), and on a sample the pair is asked again in the other order to measure position bias. The
 * reply is checked strictly: anything but a JSON object naming A, B or tie is an error, never a verdict.
 */
import { createHash } from 'node:crypto';
import type { ChatMessage } from '@promptscope/prompts';
import { cosine } from '../assert/evaluate.js';
import type { JudgeSettings } from '../assert/judge.js';
import { describeError } from '../errors.js';
import type { ChatRequest } from '../run/providers.js';
import type { Runner } from '../run/runner.js';
import type { JudgeResult } from './types.js';

const SYSTEM = [
  'You compare two answers an AI assistant gave to the same request.',
  'Judge which answer serves the request better: correctness, completeness, following the instructions, tone.',
  'Length alone is not better. The order the answers are shown in says nothing about their quality.',
  'Reply with one JSON object and nothing else: {"reason": "<one sentence>", "winner": "A" | "B" | "tie"}.',
].join(' ');

/** The conversation the answers replied to, as the judge reads it. */
export function transcript(messages: ChatMessage[]): string {
  return messages.map((m) => `[${m.role}]\n${m.content}`).join('\n\n');
}

export function pairwiseRequest(judge: JudgeSettings, request: string, a: string, b: string): ChatRequest {
  return {
    provider: judge.provider,
    model: judge.model,
    messages: [
      { role: 'system', content: SYSTEM },
      {
        role: 'user',
        content: `<request>\n${request}\n</request>\n<answer id="A">\n${a}\n</answer>\n<answer id="B">\n${b}\n</answer>`,
      },
    ],
    params: { temperature: 0, max_tokens: 300 },
    stream: false,
  };
}

const shown = (s: string) => JSON.stringify(s.length > 200 ? `${s.slice(0, 200)}…` : s);

/** `A`, `B` or `tie` and the reason; throws an Error quoting a reply that is not that. */
export function parsePairwiseReply(reply: string): { winner: 'A' | 'B' | 'tie'; reason: string } {
  const text = reply.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/i, '$1');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error(`the judge's reply is not JSON: ${shown(reply)}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    throw new Error(`the judge's reply is not a JSON object: ${shown(reply)}`);
  const { winner, reason } = doc as Record<string, unknown>;
  const w = typeof winner === 'string' ? winner.trim() : winner;
  const norm =
    w === 'A' || w === 'a' ? 'A' : w === 'B' || w === 'b' ? 'B' : w === 'tie' || w === 'TIE' ? 'tie' : undefined;
  if (norm === undefined) throw new Error(`the judge's reply names no winner "A", "B" or "tie": ${shown(reply)}`);
  return { winner: norm, reason: typeof reason === 'string' ? reason : '' };
}

/** A number in [0, 1) from the run and the input: the same run asks the same order. */
function unit(seed: string): number {
  return createHash('sha256').update(seed).digest().readUInt32BE(0) / 2 ** 32;
}

/** Whether the candidate is shown first for this input. */
export const candidateFirst = (runSeed: string, inputId: string) => unit(`${runSeed}\u0000order\u0000${inputId}`) < 0.5;

/** Whether this input is in the sample judged again in the swapped order. */
export const inSwapSample = (runSeed: string, inputId: string, share: number) =>
  share > 0 && unit(`${runSeed}\u0000swap\u0000${inputId}`) < share;

/** Cosine similarity of the two outputs' embeddings. */
export async function embeddingSimilarity(runner: Runner, a: string, b: string): Promise<number> {
  const [va, vb] = await runner.embed([a, b]);
  return cosine(va as number[], vb as number[]);
}

export async function judgePair(
  runner: Runner,
  judge: JudgeSettings,
  request: ChatRequest,
  baseline: string,
  candidate: string,
  seed: string,
  id: string,
  swapShare: number,
): Promise<JudgeResult> {
  const text = transcript(request.messages.filter((m) => m.role !== 'system' && m.role !== 'developer'));
  const ask = async (candFirst: boolean) => {
    const [a, b] = candFirst ? [candidate, baseline] : [baseline, candidate];
    const r = await runner.cachedChat(pairwiseRequest(judge, text, a, b), 0, 'judge-pair');
    const { winner, reason } = parsePairwiseReply(r.result.output);
    const verdict: JudgeResult['verdict'] =
      winner === 'tie' ? 'tie' : (winner === 'A') === candFirst ? 'candidate' : 'baseline';
    return { verdict, reason };
  };
  const first = candidateFirst(seed, id);
  try {
    const v = await ask(first);
    const out: JudgeResult = { ...v, candidateFirst: first };
    if (inSwapSample(seed, id, swapShare)) out.swapped = await ask(!first);
    return out;
  } catch (err) {
    return { verdict: 'tie', reason: '', candidateFirst: first, error: describeError(err) };
  }
}
