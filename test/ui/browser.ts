import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort } from '../support/ports';
import { repoRoot } from '../support/worker';

// What the browser tests share: Debian's chromium through playwright-core, a dev server port whose
// Web UI port (+1000) is free too, and reading what the Web UI shows. Screenshots go to
// test/ui/screenshots/ (not committed).

export const screenshots = path.join(repoRoot, 'test', 'ui', 'screenshots');

/** A free gRPC port for the dev server whose Web UI port (port + 1000) is free too. */
export async function portPair(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + 1000 > 65535) continue;
    const free = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port + 1000, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (free) return port;
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
