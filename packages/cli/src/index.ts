import { PromptError } from '@promptscope/prompts';
import { EXIT, type Io, processIo, UsageError } from './io.js';
import { LABEL_HELP, labelCommand } from './label.js';
import { PROMPT_HELP, promptCommand } from './prompt.js';
import { WORST_HELP, worstCommand } from './worst.js';

export { diffLines, formatDiff } from './diff.js';
export { EXIT, type Io, processIo, UsageError } from './io.js';
export { parseValue } from './label.js';
export {
  DEFAULT_JAEGER,
  effectiveFeedback,
  findWorst,
  formatWorst,
  JAEGER_ENV,
  JaegerError,
  type JaegerSpan,
  parseWhen,
  previewMessages,
  readTrace,
  type WorstCompletion,
  type WorstFeedback,
  type WorstQuery,
  type WorstResult,
} from './worst.js';

export const HELP = `Usage: promptscope <command> [options]

Commands:
  prompt new | list | show | diff | promote | rollback | log
                      manage the prompt registry (promptscope prompt --help)
  label <token | trace-id> --name <evaluation> --value <value>
                      record a manual label on a completion (promptscope label --help)
  worst <prompt> [--since 24h] [--failed]
                      the lowest-rated (or failed) completions of a prompt, from Jaeger (promptscope worst --help)

Exit codes: 0 done, 1 a usage or input error (the message says what to fix), 2 an internal error.
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
      case undefined:
        io.stderr(HELP);
        return EXIT.USER;
      case 'help':
      case '--help':
      case '-h':
        io.stdout(`${HELP}\n${PROMPT_HELP}\n${LABEL_HELP}\n${WORST_HELP}`);
        return EXIT.OK;
      default:
        throw new UsageError(`unknown command "${command}" (commands: prompt, label, worst; see promptscope --help)`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`promptscope: ${err.message}\n`);
      return EXIT.USER;
    }
    if (err instanceof PromptError) {
      io.stderr(`promptscope: ${err.message}\n`);
      return EXIT.USER;
    }
    io.stderr(`promptscope: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT.INTERNAL;
  }
}
