import { PromptError } from './errors.js';
import { parseVersion } from './spec.js';

export const PIN_PREFIX = 'PROMPTSCOPE_PROMPT_PIN_';

/** `support-reply` → `PROMPTSCOPE_PROMPT_PIN_SUPPORT_REPLY`. */
export function pinVariable(name: string): string {
  return PIN_PREFIX + name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/** Reads the version pinned for a prompt in `env`; an invalid pin is reported once and ignored. */
export function pinReader(
  env: Record<string, string | undefined>,
  report: (name: string, err: unknown, what: string) => unknown,
): (name: string) => number | undefined {
  const warnedPins = new Set<string>();
  return (name) => {
    const variable = pinVariable(name);
    const raw = env[variable];
    if (raw === undefined || raw === '') return undefined;
    try {
      return parseVersion(raw.trim());
    } catch {
      if (!warnedPins.has(variable)) {
        warnedPins.add(variable);
        report(
          name,
          new PromptError(
            'refused',
            `${variable}=${JSON.stringify(raw)} is not a version (expected e.g. 6 or v6); pin ignored`,
            {
              prompt: name,
            },
          ),
          'ignoring an invalid pin',
        );
      }
      return undefined;
    }
  };
}
