// Every dashboard, in file order. Add a dashboard: one module in src/, one line here, then `npm run dashboards`.
import { llmOverview } from './llm-overview.mjs';
import { promptTests } from './prompt-tests.mjs';
import { promptVersions } from './prompt-versions.mjs';
import { providerErrors } from './provider-errors.mjs';
import { segments } from './segments.mjs';

/** @returns {{ file: string, dashboard: Record<string, any> }[]} */
export const dashboards = () => [
  { file: 'llm-overview.json', dashboard: llmOverview() },
  { file: 'prompt-versions.json', dashboard: promptVersions() },
  { file: 'provider-errors.json', dashboard: providerErrors() },
  { file: 'prompt-tests.json', dashboard: promptTests() },
  { file: 'segments.json', dashboard: segments() },
];

/** The exact text committed in grafana-dashboards/dashboards/<file>. */
export const render = (dashboard) => `${JSON.stringify(dashboard, null, 2)}\n`;
