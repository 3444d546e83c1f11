// Debian's Chromium driven by playwright-core (no browser downloads): tools/scripts/install-chromium.sh installs it.
// Screenshots go to tmp/e2e-artifacts/web/ (git-ignored); every saved path is printed so a CI log points at it.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the shared platform harness, as e2e/observability uses it
import { repoRoot } from '../../platform/src/platform';

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
];
export const artifactDir = join(repoRoot, 'tmp', 'e2e-artifacts', 'web');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: run bash tools/scripts/install-chromium.sh`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS, headless: true });
}

/** Saves a full-page screenshot as tmp/e2e-artifacts/web/<name>.png and prints its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifactDir, { recursive: true });
  const path = join(artifactDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
  return path;
}

/** Saves a screenshot of one element (scrolled into view) as tmp/e2e-artifacts/web/<name>.png and prints its path. */
export async function screenshotOf(locator: Locator, name: string): Promise<string> {
  mkdirSync(artifactDir, { recursive: true });
  const path = join(artifactDir, `${name}.png`);
  await locator.scrollIntoViewIfNeeded();
  await locator.screenshot({ path });
  console.log(`screenshot: ${path}`);
  return path;
}

/** Drags from the centre of one element to the centre of another with real mouse events (React Flow needs them). */
export async function dragBetween(
  page: Page,
  from: { boundingBox(): Promise<{ x: number; y: number; width: number; height: number } | null> },
  to: { boundingBox(): Promise<{ x: number; y: number; width: number; height: number } | null> },
  release = true,
): Promise<void> {
  const a = await from.boundingBox();
  const b = await to.boundingBox();
  if (!a || !b) throw new Error('drag: an element is not visible');
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  const steps = 12;
  for (let i = 1; i <= steps; i++) {
    await page.mouse.move(
      a.x + a.width / 2 + ((b.x + b.width / 2 - (a.x + a.width / 2)) * i) / steps,
      a.y + a.height / 2 + ((b.y + b.height / 2 - (a.y + a.height / 2)) * i) / steps,
    );
  }
  if (release) await page.mouse.up();
}
