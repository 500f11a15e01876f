import { Document, isMap, parseDocument } from 'yaml';
import { PromptError } from './errors.js';
import { type PromptSpec, placeholders } from './spec.js';

export interface NewVersionInput {
  /** YAML text of the version; `name` and `version` are filled in (comments and layout kept). */
  yaml?: string;
  /** Or the fields, written out as YAML. */
  spec?: Omit<PromptSpec, 'name' | 'version' | 'variables' | 'parameters'> &
    Partial<Pick<PromptSpec, 'variables' | 'parameters'>>;
}

export function buildYaml(name: string, version: number, input: NewVersionInput): string {
  if (input.yaml !== undefined) {
    const doc = parseDocument(input.yaml, { uniqueKeys: true });
    if (doc.errors.length > 0) {
      throw new PromptError('invalid', `the new version is not valid YAML: ${doc.errors[0]!.message}`, {
        prompt: name,
      });
    }
    if (doc.contents === null || typeof doc.toJS() !== 'object') {
      throw new PromptError('invalid', 'the new version must be a YAML mapping', { prompt: name });
    }
    if (!isMap(doc.contents))
      throw new PromptError('invalid', 'the new version must be a YAML mapping', { prompt: name });
    // name and version first, the rest as the author wrote it (comments kept).
    doc.delete('name');
    doc.delete('version');
    (doc.contents.items as unknown[]).unshift(doc.createPair('name', name), doc.createPair('version', version));
    return doc.toString();
  }
  if (input.spec === undefined)
    throw new PromptError('refused', 'a new version needs YAML or fields', { prompt: name });
  const s = input.spec;
  const variables = s.variables ?? inferVariables(s.template, s.messages);
  const body: Record<string, unknown> = { name, version };
  if (s.description !== undefined) body.description = s.description;
  body.model = s.model;
  body.parameters = s.parameters ?? {};
  if (s.template !== undefined) body.template = s.template;
  if (s.messages !== undefined) body.messages = s.messages;
  body.variables = variables;
  return new Document(body).toString();
}

function inferVariables(template?: string, messages?: Array<{ content: string }>): PromptSpec['variables'] {
  const out: PromptSpec['variables'] = {};
  const texts = template !== undefined ? [template] : (messages ?? []).map((m) => m.content);
  for (const t of texts) for (const v of placeholders(t)) out[v] = { type: 'string', required: true };
  return out;
}
