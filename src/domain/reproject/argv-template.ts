/**
 * A command is an argv array with `{name}` placeholders (`["mix", "runtime.convex.reproject",
 * "--run-id", "{id}"]`), never a shell string: values are substituted into single arguments and
 * the command is spawned without a shell.
 */
export class ArgvTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArgvTemplateError';
  }
}

// Ids become whole arguments; refusing a leading dash keeps an id from being read as a flag.
const SAFE_VALUE = /^[A-Za-z0-9_][A-Za-z0-9_.:@/-]*$/;

export function expandArgvTemplate(template: readonly string[], values: Record<string, string>): string[] {
  if (template.length === 0) throw new ArgvTemplateError('the command template is empty');
  for (const [name, value] of Object.entries(values)) {
    if (!SAFE_VALUE.test(value)) throw new ArgvTemplateError(`{${name}} value "${value}" is not a safe argument (letters, digits, _ . : @ / -; not starting with -)`);
  }
  return template.map((arg) =>
    arg.replace(/\{([A-Za-z]+)\}/g, (_, name: string) => {
      const value = values[name];
      if (value === undefined) throw new ArgvTemplateError(`placeholder {${name}} in "${arg}" is not known here; use ${Object.keys(values).map((k) => `{${k}}`).join(', ')}`);
      return value;
    }),
  );
}

/** Which placeholders a template uses, to check a config before anything runs. */
export function templatePlaceholders(template: readonly string[]): string[] {
  return [...new Set(template.flatMap((arg) => [...arg.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => m[1]!)))];
}
