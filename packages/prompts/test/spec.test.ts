import { describe, expect, it } from 'vitest';
import { isPromptError, PromptError, parseSpec, placeholders, render } from '../src/index.js';
import { V1 } from './helpers.js';

function errorOf(fn: () => unknown): PromptError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PromptError) return err;
    throw err;
  }
  throw new Error('expected a PromptError');
}

describe('version files', () => {
  it('parses a chat version and renders it with variables', () => {
    const spec = parseSpec(V1, 'v1.yaml', { name: 'support-reply', version: 1 });
    expect(spec.model).toBe('gpt-4o-mini');
    expect(spec.parameters).toEqual({ temperature: 0.2 });
    expect(render(spec, { product: 'Acme', question: 'How do I reset?' })).toEqual({
      type: 'chat',
      messages: [
        { role: 'system', content: 'You answer questions about Acme.' },
        { role: 'user', content: 'How do I reset?' },
      ],
    });
  });

  it('renders text templates, fills defaults, keeps values literal and honours \\{{ escapes', () => {
    const spec = parseSpec(
      `name: t
version: 2
model: m
template: "Hi {{ who }}, in {{lang}}. Literal: \\\\{{who}}"
variables:
  who: { type: string }
  lang: { type: string, default: English }
  n: { type: number, required: false }
`,
      't/v2.yaml',
    );
    expect(placeholders(spec.template!)).toEqual(['who', 'lang']);
    // A value that looks like a placeholder is not expanded again.
    expect(render(spec, { who: '{{lang}}' })).toEqual({
      type: 'text',
      text: 'Hi {{lang}}, in English. Literal: {{who}}',
    });
  });

  it('refuses bad variables with one message naming every problem', () => {
    const spec = parseSpec(
      `name: t
version: 1
model: m
template: "{{a}} {{b}} {{c}}"
variables:
  a: string
  b: { type: number }
  c: { type: string, enum: [x, y] }
`,
      't/v1.yaml',
    );
    const err = errorOf(() => render(spec, { b: 'seven' as unknown as number, c: 'z', extra: 'x' }));
    expect(err.code).toBe('variables');
    expect(err.message).toContain('unknown variable "extra" (declared: a, b, c)');
    expect(err.message).toContain('missing required variable "a" (string)');
    expect(err.message).toContain('variable "b" must be a number, got string');
    expect(err.message).toContain('variable "c" must be one of "x", "y"');
    expect(render(spec, { a: 'A', b: 2, c: 'y' })).toEqual({ type: 'text', text: 'A 2 y' });
  });

  it.each([
    ['not YAML', 'name: [unclosed', /not valid YAML/],
    ['a list', '- a\n- b', /expected a YAML mapping/],
    ['both template and messages', `${V1}template: hi\n`, /exactly one of "template"/],
    [
      'an undeclared placeholder',
      V1.replace('{{product}}', '{{productt}}'),
      /uses \{\{productt\}\} but "variables" does not declare it/,
    ],
    ['an unknown field', `${V1}temprature: 1\n`, /unknown field "temprature"/],
    ['a bad role', V1.replace('role: system', 'role: sytem'), /role "sytem" is not one of/],
    ['a duplicate key', `${V1}model: other\n`, /not valid YAML.*[Mm]ap keys must be unique/s],
    [
      'a default of the wrong type',
      V1.replace('product: string', 'product: { type: number, default: "x" }'),
      /default must be a number/,
    ],
  ])('rejects %s with the file name and the reason', (_what, text, pattern) => {
    const err = errorOf(() => parseSpec(text, 'prompts/support-reply/v1.yaml'));
    expect(err.code).toBe('invalid');
    expect(err.message).toMatch(/^prompts\/support-reply\/v1\.yaml: /);
    expect(err.message).toMatch(pattern);
    expect(isPromptError(err, 'invalid')).toBe(true);
  });

  it('checks the name and version against where the file was found', () => {
    expect(errorOf(() => parseSpec(V1, 'x/v1.yaml', { name: 'other' })).message).toContain('in the folder of "other"');
    expect(errorOf(() => parseSpec(V1, 'x/v3.yaml', { version: 3 })).message).toContain('but the file is v3.yaml');
  });

  it('runs no code: YAML tags and anchors do not evaluate anything', () => {
    const err = errorOf(() =>
      parseSpec(`${V1.replace('model: gpt-4o-mini', 'model: !!js/function "() => 1"')}`, 'v.yaml'),
    );
    expect(err.code).toBe('invalid');
  });
});
