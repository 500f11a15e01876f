import { type ParseArgsConfig, parseArgs } from 'node:util';

/** `node:util` parseArgs, strict, positionals allowed; a bad flag is a {@link UsageError}. */
export function parseFlags<O extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: O,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Where a command writes, and what it reads from its surroundings: the real process, or a test's buffers. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Record<string, string | undefined>;
  cwd: string;
}

export function processIo(): Io {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
  };
}

/** A mistake in how the command was called: exit code 2 with the message and a hint. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * One convention for every command: 0 done (or the gate passed); 1 a gate said no (`test`, `test merge`,
 * `prompt promote` refused for want of a passing report); 2 nothing ran properly: a usage or input error
 * (bad flag, unknown prompt, malformed bank or file), an unreachable Jaeger or provider, or an internal error.
 */
export const EXIT = { OK: 0, FAILED: 1, USER: 2, INTERNAL: 2 } as const;
