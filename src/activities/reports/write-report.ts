import fs from 'node:fs/promises';
import path from 'node:path';
import { renderReadinessJson, renderReadinessMarkdown } from '../../domain/report/readiness';
import type { ReadinessGateResult } from '../../contracts/readiness-gate';

export function reportsDir(dataDir: string): string {
  return path.join(dataDir, 'reports');
}

/** Writes the gate's report as Markdown and JSON (atomically, so a reader never sees half a file). */
export function createReportActivities(dataDir: string) {
  return {
    async writeGateReport(result: ReadinessGateResult): Promise<{ markdown: string; json: string }> {
      const dir = reportsDir(dataDir);
      await fs.mkdir(dir, { recursive: true });
      const base = path.join(dir, result.workflowId.replace(/[^\w.-]/g, '_'));
      const files = { markdown: `${base}.md`, json: `${base}.json` };
      for (const [file, text] of [[files.markdown, renderReadinessMarkdown(result)], [files.json, renderReadinessJson(result)]] as const) {
        await fs.writeFile(`${file}.tmp`, text);
        await fs.rename(`${file}.tmp`, file);
      }
      return files;
    },
  };
}
