/**
 * What a run calls: a version of the prompt (from the registry, by number or label, or a draft file not yet
 * in it), with the provider and model it names unless the run overrides them (`--model`, `--provider`:
 * how a model upgrade is tested). Rendering goes through `@promptscope/prompts`, as in production.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import {
  type ChatMessage,
  PROVIDERS,
  PromptError,
  type PromptProvider,
  type PromptSpec,
  parseSpec,
  providerOf,
  type Registry,
  render,
  sha256,
} from '@promptscope/prompts';
import { parseDocument } from 'yaml';
import type { Vars } from '../bank/model.js';
import { BankError } from '../errors.js';
import type { ChatRequest } from './providers.js';

export interface Target {
  prompt: string;
  /** As given: `2`, `v2`, `production`, `drafts/v3.yaml`. */
  ref: string;
  /** The version number; 0 for a draft file. */
  version: number;
  /** sha256 of the version file's bytes: what promotion checks reports against. */
  sha256: string;
  spec: PromptSpec;
  provider: PromptProvider;
  model: string;
  /** The draft file, when the target is one. */
  file?: string;
  /** Set when --model/--provider replaced the version's own: such a report does not vouch for the version. */
  overridden?: { model?: string; provider?: PromptProvider };
}

export interface TargetOptions {
  model?: string;
  provider?: string;
  cwd?: string;
}

const isFile = (ref: string) => /\.ya?ml$/i.test(ref);

export async function resolveTarget(
  registry: Registry,
  prompt: string,
  ref: string,
  opts: TargetOptions = {},
): Promise<Target> {
  let spec: PromptSpec;
  let digest: string;
  let version: number;
  let file: string | undefined;
  if (isFile(ref)) {
    file = isAbsolute(ref) ? ref : resolve(opts.cwd ?? process.cwd(), ref);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (err) {
      throw new BankError(`${file}: cannot read the candidate version file: ${(err as Error).message}`, { file });
    }
    digest = sha256(bytes);
    // A draft may leave out name and version (`prompt new` fills them in): fill them for validation only.
    const doc = parseDocument(bytes.toString('utf8'));
    if (!doc.has('name')) doc.set('name', prompt);
    if (!doc.has('version')) doc.set('version', 1);
    spec = parseSpec(doc.toString(), file, { name: prompt });
    version = 0;
  } else {
    version = await registry.resolve(prompt, ref);
    const vf = await registry.read(prompt, version, true);
    spec = vf.spec;
    digest = vf.sha256;
  }
  if (opts.provider !== undefined && !PROVIDERS.includes(opts.provider as PromptProvider)) {
    throw new PromptError('refused', `--provider ${opts.provider}: one of ${PROVIDERS.join(', ')}`);
  }
  const model = opts.model ?? spec.model;
  const provider =
    (opts.provider as PromptProvider | undefined) ??
    providerOf({ model, ...(opts.model === undefined && spec.provider ? { provider: spec.provider } : {}) });
  const target: Target = { prompt, ref, version, sha256: digest, spec, provider, model };
  if (file !== undefined) target.file = file;
  if (model !== spec.model || provider !== providerOf(spec)) {
    target.overridden = {
      ...(model !== spec.model ? { model } : {}),
      ...(provider !== providerOf(spec) ? { provider } : {}),
    };
  }
  return target;
}

/** `support-reply v2`, `support-reply draft (file)`, with an override noted. */
export function targetName(t: Target): string {
  const base = t.file !== undefined ? `${t.prompt} draft ${t.ref}` : `${t.prompt} v${t.version}`;
  return t.overridden ? `${base} on ${t.provider}/${t.model}` : base;
}

/** Renders a case's variables with the target's version into the request the provider gets. */
export function chatRequest(t: Target, vars: Vars): ChatRequest {
  const out = render(t.spec, vars);
  const messages: ChatMessage[] = out.type === 'chat' ? out.messages : [{ role: 'user', content: out.text }];
  return {
    provider: t.provider,
    model: t.model,
    messages,
    params: { ...t.spec.parameters },
    stream: t.spec.parameters.stream !== false,
  };
}
