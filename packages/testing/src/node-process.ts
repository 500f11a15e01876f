import { spawn } from 'node:child_process';

// Tests that run an app, a CLI or a hook as its own Node process: the child must not inherit the test's
// telemetry settings, provider keys or test-runner flags (Vitest sets NODE_ENV=test, which among others
// turns the OpenAI Agents SDK's tracing off), and it must end by itself or be killed by its pid.

const INHERITED_NOT =
  /^(OTEL_|PROMPTSCOPE_|OPENAI_|ANTHROPIC_|GOOGLE_|AWS_|MISTRAL_|LANGCHAIN_|LANGSMITH_|VITEST|NODE_OPTIONS$|NODE_ENV$)/;

/** The test process's environment without telemetry, provider and test-runner variables. */
export function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!INHERITED_NOT.test(k)) env[k] = v;
  return env;
}

export interface NodeRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface NodeRunOptions {
  cwd?: string;
  /** Added to `childEnv()`. */
  env?: Record<string, string | undefined>;
  /** The child is killed (SIGKILL, by pid) and the run rejected after this long; no limit when unset. */
  timeoutMs?: number;
}

/** Runs `node ...args` to its end. */
export function runNode(args: string[], opts: NodeRunOptions = {}): Promise<NodeRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: opts.cwd, env: { ...childEnv(), ...opts.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
            reject(
              new Error(
                `node ${args.join(' ')} did not exit within ${opts.timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`,
              ),
            );
          }, opts.timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      // Output still in the pipes arrives after 'exit'.
      setImmediate(() => resolve({ code, stdout, stderr }));
    });
  });
}

/** The first line of stdout that is a JSON object with an `ok` key: how the test apps report what they saw. */
export function resultLine(run: NodeRun): Record<string, unknown> {
  for (const line of run.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const parsed = JSON.parse(line) as Record<string, unknown>;
    if ('ok' in parsed) return parsed;
  }
  throw new Error(`no result line (exit ${run.code})\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
}
