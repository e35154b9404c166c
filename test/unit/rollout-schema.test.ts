import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { renderSchemas, SCHEMAS_DIR } from '../../scripts/generate-schemas';

describe('config and rollout plan JSON Schemas', () => {
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

  it('tells editors the config is strict: unknown keys refused, hooks and notification targets declared per environment', () => {
    const schema = JSON.parse(renderSchemas().find((s) => s.file === 'config.schema.json')!.text);
    const env = schema.properties.environments.additionalProperties;
    assert.equal(env.additionalProperties, false);
    assert.equal(env.properties.production.type, 'boolean');
    assert.deepEqual(Object.keys(env.properties.rollout.properties), ['endpoints', 'hooks', 'notifications', 'notify', 'metricProviders']);
    const plan = JSON.parse(renderSchemas().find((s) => s.file === 'rollout-plan.schema.json')!.text);
    assert.deepEqual(Object.keys(plan.properties.steps.items.properties.hooks.items.properties), ['name', 'params']);
  });
});
