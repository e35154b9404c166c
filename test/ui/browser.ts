import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Worker } from '@temporalio/worker';
import { readConfigFile } from '../../src/config-file';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox';
import type { RunningDevServer } from '../../src/temporal/dev-server';
import { createWorker } from '../../src/worker';
import { startDevServerOnFreePort } from '../support/temporal';
import { repoRoot, tempDir } from '../support/worker';

// What the browser tests share: Debian's chromium through playwright-core, a dev server with its
// Web UI, sandbox and worker, and reading what the Web UI shows. Screenshots go to
// test/ui/screenshots/ (not committed).

export const screenshots = path.join(repoRoot, 'test', 'ui', 'screenshots');

/** A dev server with its Web UI, a sandbox and a worker for one browser suite. */
export interface WebUiStack {
  server: RunningDevServer;
  sandbox: Sandbox;
  home: string;
  uiBase: string;
  stop(): Promise<void>;
}

export async function startWebUiStack(name: string): Promise<WebUiStack> {
  const server = await startDevServerOnFreePort({ withUi: true });
  let sandbox: Sandbox | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  const stopAll = async (): Promise<void> => {
    worker?.shutdown();
    await running;
    await sandbox?.stop();
    await server.stop();
  };
  try {
    sandbox = await startSandbox({ dataDir: tempDir(`${name}-sandbox`) });
    const home = tempDir(`${name}-home`);
    worker = await createWorker({ address: server.address, dataDir: home, config: readConfigFile(sandbox.configPath) });
    running = worker.run();
    const uiBase = `http://localhost:${Number(server.address.split(':')[1]) + 1000}`;
    return { server, sandbox, home, uiBase, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

export async function openBrowser(): Promise<{ browser: Browser; page: Page }> {
  const executablePath = process.env.CHROMIUM_PATH ?? execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'ensure-chromium.js')], { encoding: 'utf8' }).trim();
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  const page = await browser.newPage({ viewport: { width: 1600, height: 1100 } });
  fs.mkdirSync(screenshots, { recursive: true });
  return { browser, page };
}

export async function openTab(page: Page, name: string): Promise<void> {
  await page.getByText(name, { exact: true }).first().click();
}

/** The text of the page and of its frames (the UI renders markdown in sandboxed frames), once it satisfies `ready`. */
export async function waitForText(page: Page, ready: (text: string) => boolean, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    const parts = await Promise.all(page.frames().map((f) => f.locator('body').innerText({ timeout: 2000 }).catch(() => '')));
    text = parts.join('\n');
    if (ready(text)) return text;
    await page.waitForTimeout(500);
  }
  throw new Error(`the Web UI did not show what was expected within ${timeoutMs} ms; it showed:\n${text.slice(0, 4000)}`);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });
}
