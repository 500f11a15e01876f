/**
 * What a replay will cost before it sends anything: per input, the candidate's call (and the re-run
 * baseline's, and the judge's) priced with the same price data the instrumentation uses. Token counts come
 * from the production span where they apply (re-sent messages: its input tokens; every call: its output
 * tokens), else from the request's length at four characters per token. A model without a known price
 * makes the estimate unknown, never 0.
 */
import { type CostResult, PriceBook } from '@promptscope/core/provider';
import type { ChatRequest } from '../run/providers.js';
import type { PreparedInput } from './inputs.js';

const CHARS_PER_TOKEN = 4;
const DEFAULT_OUTPUT_TOKENS = 256;
const JUDGE_OUTPUT_TOKENS = 100;

export interface CallEstimate {
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** null: no known price for this model. */
  usd: number | null;
}

const chars = (req: ChatRequest) => req.messages.reduce((n, m) => n + m.content.length, 0);

export class CostEstimator {
  private readonly book: PriceBook;

  constructor(book?: PriceBook) {
    this.book = book ?? new PriceBook({ warn: () => {} });
  }

  private price(provider: string, model: string, inputTokens: number, outputTokens: number): number | null {
    const r: CostResult = this.book.price(provider, model, { inputTokens, outputTokens });
    return r.priced ? r.totalUsd : null;
  }

  /** One call of `req`, answering about as long as production did. */
  call(req: ChatRequest, input: PreparedInput, resent: boolean): CallEstimate {
    const recorded = input.recorded.tokens;
    const inputTokens =
      resent && recorded?.input !== undefined ? recorded.input : Math.ceil(chars(req) / CHARS_PER_TOKEN);
    const maxTokens = Number(req.params.max_tokens ?? req.params.max_completion_tokens);
    const outputTokens =
      recorded?.output ?? (Number.isFinite(maxTokens) && maxTokens > 0 ? maxTokens : DEFAULT_OUTPUT_TOKENS);
    return {
      provider: req.provider,
      model: req.model,
      inputTokens,
      outputTokens,
      usd: this.price(req.provider, req.model, inputTokens, outputTokens),
    };
  }

  /** A judge call on the pair (twice for a swapped one). */
  judge(req: ChatRequest): CallEstimate {
    const inputTokens = Math.ceil(chars(req) / CHARS_PER_TOKEN);
    return {
      provider: req.provider,
      model: req.model,
      inputTokens,
      outputTokens: JUDGE_OUTPUT_TOKENS,
      usd: this.price(req.provider, req.model, inputTokens, JUDGE_OUTPUT_TOKENS),
    };
  }
}

/** Sum of estimates: unknown as soon as one is. */
export function total(calls: CallEstimate[]): { usd: number | null; calls: number; unpriced: number } {
  const unpriced = calls.filter((c) => c.usd === null).length;
  const usd = unpriced > 0 ? null : calls.reduce((n, c) => n + (c.usd as number), 0);
  return { usd, calls: calls.length, unpriced };
}
