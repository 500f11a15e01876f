import { createEmitter } from './emit.js';
import { FeedbackError } from './errors.js';
import { checkEvaluation, checkName, type Evaluation, normalizeValue } from './evaluations.js';
import { checkImplicitScores, checkSignal, type ImplicitSignal, implicitScore } from './implicit.js';
import { type Checked, checkCommon, checkImplicitDetail } from './input.js';
import { completionFields, parseWithSecrets, secretsFrom } from './ref.js';
import { encodeFeedbackToken, type ParsedFeedbackToken, secretList } from './token.js';
import type { Feedback, FeedbackInput, FeedbackOptions, FeedbackResult, ImplicitDetail } from './types.js';

export function createFeedback(options: FeedbackOptions = {}): Feedback {
  if (options === null || typeof options !== 'object') {
    throw new FeedbackError('invalid_input', 'createFeedback(options): expected an object.');
  }
  const explicitSecret = secretList(options.secret, 'createFeedback: `secret`');
  const implicitScores = checkImplicitScores(options.implicitScores);
  const implicitName = checkName(options.implicitName ?? 'implicit');
  const thumbsName = checkName(options.thumbsName ?? 'thumbs');
  const maxComment = options.maxCommentLength ?? 2000;
  if (!Number.isInteger(maxComment) || maxComment < 0) {
    throw new FeedbackError('invalid_input', 'createFeedback: `maxCommentLength` must be a whole number ≥ 0.');
  }
  const strict = options.strict === true;
  const registry = new Map<string, Evaluation>();
  registry.set(thumbsName, checkEvaluation(thumbsName, { type: 'boolean' }));
  for (const [name, spec] of Object.entries(options.evaluations ?? {})) {
    registry.set(checkName(name), checkEvaluation(name, spec));
  }

  const secrets = secretsFrom(explicitSecret);
  const { emit, internalError, rejected } = createEmitter(options);
  const parse = (token: string): ParsedFeedbackToken => parseWithSecrets(token, secrets());

  const record = (token: string, input: FeedbackInput): FeedbackResult => {
    let parsed: ParsedFeedbackToken;
    let checked: Checked;
    try {
      if (input === null || typeof input !== 'object') {
        throw new FeedbackError(
          'invalid_input',
          'recordFeedback(token, input): expected { name, value, kind?, comment?, id? }.',
        );
      }
      const name = checkName(input.name);
      const common = checkCommon(input, 'explicit', maxComment);
      parsed = parse(token);
      const evaluation = registry.get(name);
      if (evaluation === undefined && strict) {
        throw new FeedbackError(
          'evaluation_unknown',
          `Unknown evaluation "${name}" (strict mode); declared: ${[...registry.keys()].join(', ')}. Declare it with defineEvaluation() or the \`evaluations\` option.`,
        );
      }
      checked = { name, ...common, value: normalizeValue(name, input.value, evaluation) };
    } catch (err) {
      rejected(err);
      throw err;
    }
    return emit(parsed, checked);
  };

  const implicit = (token: string, signal: ImplicitSignal, detail: ImplicitDetail = {}): FeedbackResult => {
    let parsed: ParsedFeedbackToken;
    let checked: Checked;
    try {
      const s = checkSignal(signal);
      const ratio = checkImplicitDetail(s, detail);
      const common = checkCommon(
        { kind: 'implicit', source: detail.source, comment: detail.comment, id: detail.id },
        'implicit',
        maxComment,
      );
      parsed = parse(token);
      const ctx = ratio === undefined ? { signal: s } : { signal: s, editRatio: ratio };
      const score = implicitScore(implicitScores, ctx);
      checked = {
        name: implicitName,
        ...common,
        ...(ratio === undefined ? {} : { editRatio: ratio }),
        value: score === undefined ? { label: s } : { score, label: s },
      };
    } catch (err) {
      rejected(err);
      throw err;
    }
    return emit(parsed, checked);
  };

  const token = (...args: [] | [unknown]): string | undefined => {
    try {
      const fields = completionFields(args);
      if (fields === undefined) return undefined;
      return encodeFeedbackToken(fields, { secret: secrets() });
    } catch (err) {
      internalError('token', err);
      return undefined;
    }
  };

  return {
    token,
    record,
    implicit,
    thumbs: (t, up, extra = {}) => {
      if (typeof up !== 'boolean') {
        const err = new FeedbackError(
          'value_type',
          `thumbs(token, up): \`up\` must be true or false, got ${typeof up}.`,
        );
        rejected(err);
        throw err;
      }
      return record(t, { name: thumbsName, value: up, kind: 'explicit', source: 'user', ...extra });
    },
    define(name, spec) {
      const n = checkName(name);
      const evaluation = checkEvaluation(n, spec);
      registry.set(n, evaluation);
      return evaluation;
    },
    evaluation: (name) => registry.get(name),
    parse,
  };
}
