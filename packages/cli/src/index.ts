import { BankError, HarvestError, InfraError } from '@promptscope/eval';
import { PromptError } from '@promptscope/prompts';
import { BANK_HELP, bankCommand } from './bank.js';
import { EXIT, type Io, processIo, UsageError } from './io.js';
import { LABEL_HELP, labelCommand } from './label.js';
import { PROMPT_HELP, promptCommand } from './prompt.js';
import { REPLAY_HELP, replayCommand } from './replay.js';
import { TEST_HELP, testCommand } from './test.js';
import { WORST_HELP, worstCommand } from './worst.js';

export { BANK_HELP } from './bank.js';
export { diffLines, formatDiff } from './diff.js';
export { EXIT, type Io, processIo, UsageError } from './io.js';
export {
  DEFAULT_JAEGER,
  fetchTrace,
  JAEGER_ENV,
  JaegerError,
  type JaegerSpan,
  parseWhen,
  readTrace,
} from './jaeger.js';
export { parseValue } from './label.js';
export { parseFailOn, REPLAY_HELP } from './replay.js';
export { TEST_HELP } from './test.js';
export {
  effectiveFeedback,
  findWorst,
  formatWorst,
  previewMessages,
  type WorstCompletion,
  type WorstFeedback,
  type WorstQuery,
  type WorstResult,
} from './worst.js';

export const HELP = `Usage: promptscope <command> [options]

Commands:
  prompt new | list | show | diff | promote | rollback | log
                      manage the prompt registry (promptscope prompt --help)
  bank add <prompt> --trace <id> | --worst | --from <replay.jsonl>
                      turn production completions into test cases (promptscope bank --help)
  test <prompt> --candidate <ref> [--baseline <ref>]
                      the gate: run the prompt's test bank (promptscope test --help); test merge: shards
  label <token | trace-id> --name <evaluation> --value <value>
                      record a manual label on a completion (promptscope label --help)
  replay <prompt> --candidate <ref> [--since 24h] [--html report.html]
                      backtest a change on captured production traffic (promptscope replay --help)
  worst <prompt> [--since 24h] [--failed]
                      the lowest-rated (or failed) completions of a prompt, from Jaeger (promptscope worst --help)

Exit codes, every command:
  0  done, or the gate passed
  1  a gate said no: \`test\` / \`test merge\` / \`replay --fail-on\` failed, \`prompt promote\` refused for want of a passing report
  2  nothing ran properly: a usage or input error (bad flag, unknown prompt, malformed bank; the message
     says what to fix), Jaeger or a provider unreachable, or an internal error (with a stack trace)
`;

/** Runs one command line; returns the exit code. Never throws. */
export async function run(argv: string[], io: Io = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'prompt':
      case 'prompts':
        return await promptCommand(rest, io);
      case 'label':
        return await labelCommand(rest, io);
      case 'worst':
        return await worstCommand(rest, io);
      case 'bank':
        return await bankCommand(rest, io);
      case 'test':
        return await testCommand(rest, io);
      case 'replay':
        return await replayCommand(rest, io);
      case undefined:
        io.stderr(HELP);
        return EXIT.USER;
      case 'help':
      case '--help':
      case '-h':
        io.stdout(`${HELP}\n${PROMPT_HELP}\n${BANK_HELP}\n${TEST_HELP}\n${REPLAY_HELP}\n${LABEL_HELP}\n${WORST_HELP}`);
        return EXIT.OK;
      default:
        throw new UsageError(
          `unknown command "${command}" (commands: prompt, bank, test, replay, label, worst; see promptscope --help)`,
        );
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`promptscope: ${err.message}\n`);
      return EXIT.USER;
    }
    if (
      err instanceof PromptError ||
      err instanceof BankError ||
      err instanceof HarvestError ||
      err instanceof InfraError
    ) {
      io.stderr(`promptscope: ${err.message}\n`);
      return EXIT.USER;
    }
    io.stderr(`promptscope: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT.INTERNAL;
  }
}
