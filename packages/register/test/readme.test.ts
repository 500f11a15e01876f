import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The register README is where users look up which way of loading the hook covers their app.
const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
const rootReadme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');

describe('register README', () => {
  it('says what -r and --import cover, import() from CommonJS included', () => {
    const section = readme.split('## Node.js and module formats')[1]?.split('\n## ')[0];
    expect(section, 'a "Node.js and module formats" section').toBeDefined();
    for (const words of ['`--import @promptscope/register`', '`-r @promptscope/register`', '`import()` from CommonJS'])
      expect(section).toContain(words);
    expect(section).toContain('`@anthropic-ai/sdk`');
  });

  it('no longer says the loader hook is limited to the openai module', () => {
    for (const text of [readme, rootReadme]) expect(text).not.toMatch(/limited to the `openai` module/);
  });
});
