// Writes JSON Schemas for editors (YAML language servers, IDEs) from the same zod schemas the tool
// validates with, so the two never disagree:  npx tsx scripts/generate-schemas.ts
// A test (test/unit/rollout-schema.test.ts) fails when a committed schema is out of date.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigSchema } from '../src/domain/config/schema';
import { RolloutPlanSchema } from '../src/domain/rollout/plan-schema';

export const SCHEMAS_DIR = path.resolve(__dirname, '..', 'schemas');

const SCHEMAS: { file: string; title: string; description: string; schema: z.ZodType }[] = [
  { file: 'config.schema.json', title: 'drillctl config', description: "Environments drillctl's worker and CLI act on: `drillctl --config <file>` or $DRILLCTL_CONFIG.", schema: ConfigSchema },
  { file: 'rollout-plan.schema.json', title: 'drillctl rollout plan', description: 'A staged cohort rollout: `drillctl rollout plan|start -f <file>`.', schema: RolloutPlanSchema },
];

/** Each schema file's name and exact text. Input shapes: fields with defaults are optional. */
export function renderSchemas(): { file: string; text: string }[] {
  return SCHEMAS.map(({ file, title, description, schema }) => {
    const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
    return { file, text: JSON.stringify({ ...json, $id: `https://drillctl.local/schemas/${file}`, title, description }, null, 2) + '\n' };
  });
}

if (require.main === module) {
  fs.mkdirSync(SCHEMAS_DIR, { recursive: true });
  for (const { file, text } of renderSchemas()) {
    fs.writeFileSync(path.join(SCHEMAS_DIR, file), text);
    process.stdout.write(`wrote schemas/${file}\n`);
  }
}
