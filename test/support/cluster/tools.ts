import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../worker';

/** What scripts/cluster/setup.js built or found, as it recorded it in .tools/cluster.json. */
export interface ClusterTools {
  temporalServerVersion: string;
  temporalServer: string;
  temporalSqlTool: string;
  /** schema/postgresql/v12 of the server module: temporal/ and visibility/, each with versioned/. */
  postgresqlSchemaDir: string;
  postgresBinDir: string;
}

export function clusterTools(): ClusterTools {
  const file = path.join(repoRoot, '.tools', 'cluster.json');
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`node scripts/cluster/setup.js\` (npm run test:cluster does it first)`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as ClusterTools;
}
