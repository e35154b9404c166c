import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { renderSchemas, SCHEMAS_DIR } from '../../scripts/generate-schemas';

describe('rollout plan JSON Schema', () => {
  it('is committed and matches the zod schema (run `npx tsx scripts/generate-schemas.ts` after changing it)', () => {
    for (const { file, text } of renderSchemas()) {
      const committed = fs.readFileSync(path.join(SCHEMAS_DIR, file), 'utf8');
      assert.equal(committed, text, `schemas/${file} is out of date`);
    }
  });

  it('describes the fields editors complete: step percent bounds, gate names, approval outcomes', () => {
    const schema = JSON.parse(renderSchemas().find((s) => s.file === 'rollout-plan.schema.json')!.text);
    const step = schema.properties.steps.items;
    assert.deepEqual([step.properties.percent.minimum, step.properties.percent.maximum], [0, 100]);
    assert.deepEqual(step.properties.gates.items.enum, ['health', 'backup-restore', 'replay', 'rollback']);
    assert.deepEqual(step.properties.approval.properties.onTimeout.enum, ['abort', 'hold']);
    assert.deepEqual(schema.required, ['environment', 'serviceGroup', 'steps']);
    assert.equal(step.additionalProperties, false);
  });
});
