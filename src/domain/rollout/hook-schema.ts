import { z } from 'zod';
import { DURATION_CAPS_MS } from '../duration-limits';
import { HttpUrlSchema } from '../http-url';
import { SecretRefSchema } from '../secret-ref';
import { strictObject } from '../strict-object';
import { boundedDuration } from './duration-schema';

/** Names of hooks, notification targets and hook parameters, as plans write them. */
export const HOOK_NAME = /^[a-z][a-z0-9-]{0,39}$/;
export const PARAM_NAME = /^[A-Za-z][A-Za-z0-9]{0,39}$/;
/** A `{param}` placeholder in a hook's argv, URL, header or body string. */
export const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9]*)\}/g;

const HookTimeout = boundedDuration(DURATION_CAPS_MS.hook);
const HttpTimeout = boundedDuration(DURATION_CAPS_MS.httpRequest);

export const HttpCallSchema = strictObject({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
  /** May hold `{param}` placeholders; their values are URL-encoded. */
  url: HttpUrlSchema,
  headers: z.record(z.string(), z.string()).default({}),
  /** Header values that are secrets (an API token): references, resolved inside the activity. */
  secretHeaders: z.record(z.string(), SecretRefSchema).default({}),
  /** Sent as JSON; `{param}` placeholders in its strings are filled in. */
  body: z.unknown().optional(),
  /** Statuses that count as success; default any 2xx. */
  expectStatus: z.array(z.number().int().min(100).max(599)).min(1).optional(),
  timeout: HttpTimeout.default('10s'),
});

export const CommandSchema = strictObject({
  /** Program and arguments, run without a shell; `{param}` placeholders fill whole or part arguments. Never a secret: use secretEnv. */
  argv: z.array(z.string().min(1)).min(1, { message: 'argv needs at least the program to run' }),
  cwd: z.string().min(1).optional(),
  env: z.record(z.string(), z.string()).default({}),
  /** Environment variables whose values are secrets: references, resolved inside the activity. */
  secretEnv: z.record(z.string(), SecretRefSchema).default({}),
  timeout: HookTimeout.default('60s'),
});

export const HookActionSchema = strictObject({ http: HttpCallSchema.optional(), command: CommandSchema.optional() }).superRefine((a, ctx) => {
  if (!a.http === !a.command) ctx.addIssue({ code: 'custom', message: 'give exactly one of http or command' });
});

/** Every `{param}` an action uses, in its argv, URL, headers and body. */
export function actionPlaceholders(action: HookAction): string[] {
  const strings: string[] = [];
  const collect = (v: unknown): void => {
    if (typeof v === 'string') strings.push(v);
    else if (Array.isArray(v)) v.forEach(collect);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(collect);
  };
  if (action.command) collect(action.command.argv);
  if (action.http) collect([action.http.url, Object.values(action.http.headers), action.http.body]);
  return [...new Set(strings.flatMap((s) => [...s.matchAll(PLACEHOLDER)].map((m) => m[1]!)))];
}

/**
 * An application-level cohort switch (a feature flag for staff, say) and how to take it back,
 * declared in the worker's config. Plans name it and give its parameters; they never carry the
 * command, URL or headers themselves.
 */
export const HookDefinitionSchema = strictObject({
  /** Parameters a plan gives (`{ cohort: staff }`), used as `{cohort}` in argv, URL, headers and body. */
  params: z.array(z.string().regex(PARAM_NAME, { message: 'expected a parameter name (letters and digits, starting with a letter)' })).default([]),
  do: HookActionSchema,
  undo: HookActionSchema,
}).superRefine((hook, ctx) => {
  for (const direction of ['do', 'undo'] as const) {
    for (const name of actionPlaceholders(hook[direction])) {
      if (!hook.params.includes(name)) ctx.addIssue({ code: 'custom', path: [direction], message: `{${name}} is used but not declared; add it to params` });
    }
  }
});

export type HttpCall = z.infer<typeof HttpCallSchema>;
export type CommandCall = z.infer<typeof CommandSchema>;
export type HookAction = z.infer<typeof HookActionSchema>;
export type HookDefinition = z.infer<typeof HookDefinitionSchema>;
