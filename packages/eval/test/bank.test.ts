/** The bank file: validation that names the file, the case, the field and its line; edits that keep comments. */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BankError, BankFile, caseIdFor, parseBank } from '../src/index.js';

const FILE = 'prompt-tests/support-reply.yaml';
const bank = (cases: string) => `prompt: support-reply\ncases:\n${cases}`;

function problem(text: string): string {
  try {
    parseBank(text, FILE);
  } catch (err) {
    expect(err).toBeInstanceOf(BankError);
    return (err as Error).message;
  }
  throw new Error('the bank was accepted');
}

describe('bank validation', () => {
  it.each([
    [
      'an unknown assertion type',
      bank(
        '  - id: refund-es\n    vars: { q: x }\n    assert:\n      - { type: contains, value: a }\n      - { type: icontain, value: b }\n',
      ),
      `${FILE}:7:17: case "refund-es": cases[0].assert[1].type: "icontain" is not an assertion type`,
    ],
    [
      'a list value that is not a list',
      bank('  - id: a\n    vars: {}\n    assert: [{ type: contains-any, value: 3 }]\n'),
      `${FILE}:5:43: case "a": cases[0].assert[0].value: contains-any needs a list of strings`,
    ],
    [
      'latency without a threshold',
      bank('  - id: a\n    assert: [{ type: latency }]\n'),
      `case "a": cases[0].assert[0].threshold: latency needs a threshold (milliseconds)`,
    ],
    [
      'a duplicate id',
      bank(
        '  - id: a\n    assert: [{ type: contains, value: x }]\n  - id: a\n    assert: [{ type: contains, value: y }]\n',
      ),
      `${FILE}:5:9: case "a": cases[1].id: duplicate id, also cases[0]`,
    ],
    [
      'a variable that is a list',
      bank('  - id: a\n    vars: { q: [1, 2] }\n    assert: [{ type: contains, value: x }]\n'),
      `case "a": cases[0].vars.q: must be a string, number or boolean, got a list`,
    ],
    ['an unknown case field', bank('  - id: a\n    asserts: []\n'), `case "a": cases[0].asserts: unknown field`],
    [
      'a bad regex',
      bank('  - id: a\n    assert: [{ type: regex, value: "(" }]\n'),
      `case "a": cases[0].assert[0].value: not a valid regular expression`,
    ],
    ['a case without assertions', bank('  - id: a\n    vars: { q: x }\n'), `case "a": cases[0].assert: no assertions`],
    [
      'equals without expected',
      bank('  - id: a\n    assert: [{ type: equals }]\n'),
      'compares with `expected`, which this case lacks',
    ],
    ['no prompt', 'cases: []\n', `${FILE}:1:1: prompt: must name the prompt`],
    ['not YAML', 'prompt: [\n', `${FILE}:2:1: not valid YAML`],
  ])('%s', (_what, text, message) => {
    expect(problem(text)).toContain(message);
  });

  it('merges defaults into every case', () => {
    const b = parseBank(
      'prompt: p\ndefaults:\n  vars: { lang: en }\n  tags: [base]\n  assert: [{ type: latency, threshold: 100 }]\ncases:\n  - id: a\n    vars: { q: x, lang: es }\n    tags: [x]\n    assert: [{ type: contains, value: y }]\n',
      FILE,
    );
    expect(b.cases[0]).toMatchObject({ vars: { lang: 'es', q: 'x' }, tags: ['base', 'x'], critical: false });
    expect(b.cases[0]?.assert.map((a) => a.type)).toEqual(['latency', 'contains']);
  });
});

describe('editing a bank', () => {
  it('appends cases with their provenance and keeps every comment and the layout', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'promptscope-bank-'));
    const file = join(dir, 'support-reply.yaml');
    const original = `# Reviewed by the support team.
prompt: support-reply
defaults: # merged into every case
  assert: [{ type: latency, threshold: 8000 }]
cases:
  # the first one we ever had
  - id: refund-es
    description: refund asked in Spanish
    vars: { question: "¿Puedo devolverlo?" } # keep the accent
    critical: true
    assert:
      - { type: icontains-any, value: [reembolso, devolución] }
`;
    await writeFile(file, original);
    const edit = await BankFile.open(file, 'support-reply');
    const vars = { question: 'Where is my parcel?', ticket: 7 };
    edit.add({
      id: caseIdFor(vars),
      vars,
      tags: ['from-production'],
      source: { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), promptVersion: '2', signal: 'thumbs_down' },
    });
    await edit.save();
    const text = await readFile(file, 'utf8');
    expect(text.startsWith(original)).toBe(true);
    expect(text.slice(original.length)).toBe(`  - id: ${caseIdFor(vars)}
    vars:
      question: Where is my parcel?
      ticket: 7
    tags: [ from-production ]
    assert: [] # add assertions (the defaults apply meanwhile)
    source: { traceId: ${'a'.repeat(32)}, spanId: ${'b'.repeat(16)}, promptVersion: "2", signal: thumbs_down }
`);
    const b = parseBank(text, file);
    expect(b.cases.map((c) => c.id)).toEqual(['refund-es', caseIdFor(vars)]);
    // the id comes from the variables, whatever their order
    expect(caseIdFor({ ticket: 7, question: 'Where is my parcel?' })).toBe(caseIdFor(vars));
    await expect(BankFile.open(file, 'other-prompt')).rejects.toThrow(/prompt: is "support-reply", not "other-prompt"/);
    // a new bank starts from a commented template; `cases: []` becomes a block list
    const fresh = await BankFile.open(join(dir, 'new.yaml'), 'new');
    fresh.add({ id: 'c-1', vars: { q: 'x' } });
    fresh.add({ id: 'c-2', vars: { q: 'y' } });
    await fresh.save();
    const made = await readFile(join(dir, 'new.yaml'), 'utf8');
    expect(made).toContain(
      'defaults: # merged into every case\n  assert: [] # e.g. { type: latency, threshold: 8000 }\ncases:\n  - id: c-1\n',
    );
    expect(parseBank(made, 'new.yaml', false).cases.map((c) => c.id)).toEqual(['c-1', 'c-2']);
  });
});
