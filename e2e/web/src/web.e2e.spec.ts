// Issue 6, must show: the web canvas in Debian's Chromium (playwright-core) against the whole running system —
// the built apps on free ports with a scratch database and unique topics (e2e/platform/src/platform.ts); the gateway
// serves the built web (dist/apps/web, its WEB_DIST_DIR default) at `/`. Screenshots: tmp/e2e-artifacts/web/.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PipelineDefinition } from '@imageflow/pipeline';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the shared platform harness, as e2e/observability uses it
import { eventually, Platform, repoRoot, uniqueName } from '../../platform/src/platform';
import { dragBetween, launchChromium, screenshot, screenshotOf } from './browser';

const WEB_DIST = join(repoRoot, 'dist', 'apps', 'web');
const UI_TIMEOUT = 15_000;

/** A JPEG with three bright squares on a dark ground: measure-blobs finds three blobs. */
async function partsJpeg(seed: number): Promise<Buffer> {
  const width = 480;
  const height = 320;
  const pixels = Buffer.alloc(width * height * 3, 20 + (seed % 20));
  const squares = [
    [40 + (seed % 30), 50, 70],
    [200, 120 + (seed % 40), 60],
    [340, 60, 90],
  ] as const;
  for (const [x0, y0, size] of squares) {
    for (let y = y0; y < y0 + size; y++) {
      for (let x = x0; x < x0 + size; x++) {
        const o = (y * width + x) * 3;
        pixels[o] = 240;
        pixels[o + 1] = 235;
        pixels[o + 2] = 230;
      }
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

describe('web canvas in the browser', () => {
  const platform = new Platform();
  let browser: Browser;
  /** Made by the three-node test, used by the versions test. */
  let drawn: { id: string; name: string } | undefined;
  /** Made by the runs-table test, used by the replay test. */
  let captured: { pipelineId: string; camera: string; lotA: string } | undefined;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    await platform.start();
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await platform.stop();
  });

  /** A fresh tab (its own sessionStorage and localStorage) signed in with the admin key. */
  async function signedIn(locale = 'en-US'): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1680, height: 1050 }, locale });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT);
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
    await page.goto(`${platform.gatewayUrl}/`);
    await page.getByLabel(/^API key$|^API キー$/).fill(platform.adminKey);
    await page.locator('form.login__form button[type=submit]').click();
    await page.locator('nav.palette button[data-part-id]').first().waitFor();
    return page;
  }

  /** Remembers the run the canvas started (its "Open the run" link) so stop() removes its outputs. */
  async function trackUiRun(page: Page): Promise<void> {
    const href = await page.getByRole('link', { name: 'Open the run' }).getAttribute('href');
    const runId = decodeURIComponent(href?.split('/').pop() ?? '');
    expect(runId).not.toBe('');
    platform.trackRun(runId);
  }

  /**
   * Clicks a node until the inspector shows it: a click during a view animation (auto-layout, zoom to fit) can land
   * beside the moving node.
   */
  async function selectNode(page: Page, name: string, id: string): Promise<void> {
    const node = page.getByRole('group', { name, exact: true });
    const facts = page.getByRole('region', { name: 'Node' }).locator('.inspector__facts dd').first();
    await expect
      .poll(async () => {
        await node.locator('.node__header').click();
        return facts.textContent({ timeout: 1_000 }).catch(() => null);
      })
      .toBe(id);
  }

  const paletteButton = (page: Page, title: string) =>
    page.getByRole('button', { name: `Add ${title} to the canvas`, exact: true });
  const handle = (page: Page, side: 'Input' | 'Output', port: string, node: string, kind: string) =>
    page.getByLabel(`${side} ${port} of ${node} (${kind})`, { exact: true });

  it('npm run build produces assets the gateway serves at / (bundle size printed)', async () => {
    // The test-e2e target depends on web:build (vite build + bundle-size); the size report is printed again here.
    const sizes = execFileSync(
      process.execPath,
      [join(repoRoot, 'apps/web/tools/bundle-size.mjs'), WEB_DIST],
      {
        encoding: 'utf8',
      },
    );
    console.log(`web bundle (${WEB_DIST}):\n${sizes}`);
    expect(sizes).toMatch(/bundle total\s+[\d.]+ kB\s+gzip\s+[\d.]+ kB/);

    const index = readFileSync(join(WEB_DIST, 'index.html'), 'utf8');
    const root = await fetch(`${platform.gatewayUrl}/`, { headers: { accept: 'text/html' } });
    expect(root.status).toBe(200);
    expect(await root.text()).toBe(index);
    const assets = [...index.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1] as string);
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    for (const asset of assets) {
      const response = await fetch(`${platform.gatewayUrl}${asset}`);
      expect(response.status, asset).toBe(200);
      expect(response.headers.get('cache-control')).toContain('immutable');
      expect(Buffer.from(await response.arrayBuffer()).equals(readFileSync(join(WEB_DIST, asset)))).toBe(
        true,
      );
    }
    // An app route reloads into the app; the API keeps its own 404s.
    const deep = await fetch(`${platform.gatewayUrl}/runs/abc`, { headers: { accept: 'text/html' } });
    expect(await deep.text()).toBe(index);
    const api = await fetch(`${platform.gatewayUrl}/api/v1/nope`, { headers: { accept: 'text/html' } });
    expect(api.status).toBeGreaterThanOrEqual(400);
    expect(await api.text()).not.toBe(index);
  });

  it('switching to Japanese changes the palette and the menus', async () => {
    const page = await signedIn('en-US');
    await expect.poll(() => paletteButton(page, 'Resize').count()).toBe(1);
    expect(await page.getByRole('navigation', { name: 'Pages' }).getByRole('link').allTextContents()).toEqual(
      ['Canvas', 'Runs', 'Replay'],
    );
    await page.getByLabel('Language').selectOption('ja');
    await page.getByRole('button', { name: 'リサイズ をキャンバスに追加', exact: true }).waitFor();
    expect(await page.getByRole('navigation', { name: 'パーツ' }).locator('h2').textContent()).toBe('パーツ');
    expect(await page.locator('nav.palette h3').allTextContents()).toEqual(
      expect.arrayContaining(['前処理', '後処理']),
    );
    expect(
      await page.getByRole('navigation', { name: 'ページ' }).getByRole('link').allTextContents(),
    ).toEqual(['キャンバス', '実行履歴', 'リプレイ']);
    const toolbar = page.getByRole('toolbar', { name: 'キャンバスツール' });
    await toolbar.getByRole('button', { name: '元に戻す' }).waitFor();
    await toolbar.getByRole('button', { name: '自動レイアウト' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('ja');
    await screenshot(page, 'japanese');
    // Kept for the next visit, and back to English.
    await page.reload();
    await page.getByRole('button', { name: 'リサイズ をキャンバスに追加', exact: true }).waitFor();
    await page.getByLabel('言語').selectOption('en');
    await paletteButton(page, 'Resize').waitFor();
  });

  it('a cyclic connection is an error on the nodes involved and saving is blocked', async () => {
    const page = await signedIn();
    // Keyboard use of the palette: focus a part and press Enter.
    await paletteButton(page, 'Gaussian blur').focus();
    await page.keyboard.press('Enter');
    await paletteButton(page, 'Sharpen').focus();
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Auto-layout' }).click();
    const blur = page.getByRole('group', { name: 'Gaussian blur node blur', exact: true });
    const sharpen = page.getByRole('group', { name: 'Sharpen node sharpen', exact: true });
    await blur.waitFor();
    await sharpen.waitFor();
    await page.getByRole('button', { name: 'Zoom to fit' }).click();
    await page.waitForTimeout(300); // the fit animation (200 ms) moves every handle

    await dragBetween(
      page,
      handle(page, 'Output', 'image', 'blur', 'IMAGE'),
      handle(page, 'Input', 'image', 'sharpen', 'IMAGE'),
    );
    await dragBetween(
      page,
      handle(page, 'Output', 'image', 'sharpen', 'IMAGE'),
      handle(page, 'Input', 'image', 'blur', 'IMAGE'),
    );
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(2);

    for (const node of [blur, sharpen]) {
      await expect.poll(() => node.getAttribute('aria-invalid')).toBe('true');
      expect(await node.getAttribute('class')).toContain('node--cycle');
      expect(await node.locator('.node__issues').textContent()).toMatch(
        /Cycle: .*blur.*sharpen|Cycle: .*sharpen.*blur/,
      );
    }
    expect(await page.getByTestId('validation-status').textContent()).toMatch(/^Saving is blocked/);
    expect(await page.getByTestId('save-version').isDisabled()).toBe(true);
    await page.getByText('Fix the problems first: saving is blocked.').waitFor();
    await screenshot(page, 'cycle-blocked');

    // Keyboard shortcuts: copy and paste a node (with a fresh id), delete it, undo the delete.
    await selectNode(page, 'Gaussian blur node blur', 'blur');
    await page.keyboard.press('Control+c');
    await page.keyboard.press('Control+v');
    const pasted = page.getByRole('group', { name: 'Gaussian blur node blur-2' });
    await pasted.waitFor();
    await page.keyboard.press('Delete');
    await pasted.waitFor({ state: 'detached' });
    await page.keyboard.press('Control+z');
    await pasted.waitFor();

    // Leaving the page with an unsaved drawing asks first (beforeunload); staying keeps the drawing.
    const asked = new Promise<string>((resolve) =>
      page.once('dialog', (dialog) => {
        resolve(dialog.type());
        void dialog.dismiss();
      }),
    );
    await page.close({ runBeforeUnload: true });
    expect(await asked).toBe('beforeunload');
    expect(page.isClosed()).toBe(false);
    expect(await blur.getAttribute('aria-invalid')).toBe('true');

    // Wiring from the keyboard: feed the sharpen node from the input image instead of the blur; the cycle is gone
    // (the pasted copy goes first: its input is open).
    await selectNode(page, 'Gaussian blur node blur-2', 'blur-2');
    await page.keyboard.press('Delete');
    await pasted.waitFor({ state: 'detached' });
    await selectNode(page, 'Sharpen node sharpen', 'sharpen');
    const feed = page.getByLabel('Feed Image (IMAGE) from');
    expect(await feed.inputValue()).toBe('blur.image');
    await feed.focus();
    await feed.selectOption('source.image');
    await expect
      .poll(() => page.getByTestId('validation-status').textContent())
      .toBe('Valid: ready to save.');
    expect(await blur.getAttribute('aria-invalid')).toBeNull();
    expect(await page.getByTestId('save-version').isDisabled()).toBe(false);
    // Nothing reached the gateway.
    const pipelines = await platform.json<{ items: unknown[] }>('/api/v1/pipelines');
    expect(pipelines.items).toEqual([]);
  });

  it('builds a three-node pipeline by dragging, refuses a type mismatch, saves it, runs it on an uploaded image and draws the boxes', async () => {
    const page = await signedIn();
    const canvas = page.getByRole('region', { name: 'Pipeline canvas' });
    const box = await canvas.boundingBox();
    if (!box) throw new Error('no canvas');
    await paletteButton(page, 'Resize').dragTo(canvas, {
      targetPosition: { x: box.width * 0.35, y: box.height * 0.2 },
    });
    await paletteButton(page, 'Blob area').dragTo(canvas, {
      targetPosition: { x: box.width * 0.35, y: box.height * 0.62 },
    });
    await paletteButton(page, 'Annotate').dragTo(canvas, {
      targetPosition: { x: box.width * 0.7, y: box.height * 0.35 },
    });
    for (const name of ['Resize node resize', 'Blob area node measure-blobs', 'Annotate node annotate'])
      await page.getByRole('group', { name }).waitFor();

    const connect = async (from: [string, string, string], to: [string, string, string]) =>
      dragBetween(
        page,
        handle(page, 'Output', from[1], from[0], from[2]),
        handle(page, 'Input', to[1], to[0], to[2]),
      );
    await connect(['source', 'image', 'IMAGE'], ['resize', 'image', 'IMAGE']);
    await connect(['resize', 'image', 'IMAGE'], ['measure-blobs', 'image', 'IMAGE']);
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(2);

    // A type mismatch is refused: blobs (DETECTIONS) onto the annotate's image input (IMAGE). While dragging, the
    // compatible input (annotate's detections) lights up and the image input does not.
    await dragBetween(
      page,
      handle(page, 'Output', 'detections', 'measure-blobs', 'DETECTIONS'),
      handle(page, 'Input', 'image', 'annotate', 'IMAGE'),
      false,
    );
    expect(
      await handle(page, 'Input', 'detections', 'annotate', 'DETECTIONS').getAttribute('class'),
    ).toContain('handle--compatible');
    expect(await handle(page, 'Input', 'image', 'annotate', 'IMAGE').getAttribute('class')).not.toContain(
      'handle--compatible',
    );
    await page.mouse.up();
    await page.getByText('Not connected: DETECTIONS output cannot feed a IMAGE input.').waitFor();
    expect(await page.locator('.react-flow__edge').count()).toBe(2);
    await screenshot(page, 'type-mismatch-refused');

    await connect(['measure-blobs', 'detections', 'DETECTIONS'], ['annotate', 'detections', 'DETECTIONS']);
    await connect(['resize', 'image', 'IMAGE'], ['annotate', 'image', 'IMAGE']);
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(4);
    await page.getByRole('button', { name: 'Auto-layout' }).click();

    // A parameter: the resize width.
    await selectNode(page, 'Resize node resize', 'resize');
    const inspector = page.getByRole('region', { name: 'Node' });
    await inspector.getByLabel('width', { exact: true }).fill('320');
    await expect
      .poll(() => page.getByTestId('validation-status').textContent())
      .toBe('Valid: ready to save.');

    // Save as a new pipeline with a message.
    const name = uniqueName('web e2e');
    await page.getByLabel('Pipeline name').fill(name);
    await page.getByLabel('Version message').fill('first cut: resize, blobs, annotate');
    await page.getByTestId('save-version').click();
    await page
      .getByTestId('save-result')
      .filter({ hasText: /^Saved as version/ })
      .waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('dirty-status').textContent()).toBe('No unsaved changes');
    await page.getByTestId('version-row-1').waitFor();
    await screenshot(page, 'pipeline-saved');

    const pipelines = await platform.json<{ items: { id: string; name: string }[] }>('/api/v1/pipelines');
    const saved = pipelines.items.find((p) => p.name === name);
    expect(saved).toBeDefined();
    if (saved) drawn = saved;
    const versions = await platform.json<{
      items: { version: string; message: string }[];
    }>(`/api/v1/pipelines/${saved?.id}/versions`);
    expect(versions.items.map((v) => v.message)).toEqual(['first cut: resize, blobs, annotate']);
    const version = await platform.json<{ definition: PipelineDefinition }>(
      `/api/v1/pipelines/${saved?.id}/versions/${encodeURIComponent(versions.items[0]?.version ?? '')}`,
    );
    expect(version.definition.nodes.find((n) => n.id === 'resize')?.parameters).toEqual({ width: 320 });
    expect(version.definition.edges).toHaveLength(4);

    // Run the saved version on an uploaded image (POST /api/v1/runs), watch every node reach done.
    const probe = await platform.request('/api/v1/runs', { method: 'POST' });
    expect(probe.status, 'POST /api/v1/runs is not in the gateway yet').not.toBe(404);
    // What the live WebSocket sends the page (the canvas falls back to polling without it).
    const liveFrames: { type?: string; nodeId?: string; state?: string }[] = [];
    page.on('websocket', (socket) => {
      if (!socket.url().endsWith('/api/v1/live')) return;
      socket.on('framereceived', ({ payload }) => {
        if (typeof payload === 'string') liveFrames.push(JSON.parse(payload) as (typeof liveFrames)[number]);
      });
    });
    await page.getByLabel('Image to run').setInputFiles({
      name: 'parts.jpg',
      mimeType: 'image/jpeg',
      buffer: await partsJpeg(1),
    });
    await page.getByRole('button', { name: 'Run the saved version' }).click();
    await page.locator('[data-testid=run-status][data-status=completed]').waitFor({ timeout: 120_000 });
    await trackUiRun(page);
    for (const node of ['resize', 'measure-blobs', 'annotate']) {
      await expect.poll(() => page.getByTestId(`node-state-${node}`).getAttribute('data-state')).toBe('done');
      expect(await page.getByTestId(`node-state-${node}`).textContent()).toMatch(/done \d+ ms/);
    }
    // Click the blob node: the image it worked on, with its three blobs drawn as boxes.
    await selectNode(page, 'Blob area node measure-blobs', 'measure-blobs');
    const view = page.getByTestId('node-run');
    await view.getByTestId('output-image').locator('img').waitFor();
    await expect.poll(() => view.getByTestId('detection-box').count(), { timeout: 30_000 }).toBe(3);
    await screenshot(page, 'run-done');
    await screenshotOf(view, 'run-blob-node-with-boxes');
    // In-app navigation keeps the drawing and the run's states (the canvas stays mounted).
    await page.getByRole('link', { name: 'Runs' }).click();
    await page.getByTestId('runs-table').waitFor();
    await page.getByRole('link', { name: 'Canvas' }).click();
    expect(await page.getByTestId('node-state-annotate').getAttribute('data-state')).toBe('done');
    expect(await page.getByTestId('dirty-status').textContent()).toBe('No unsaved changes');
    // The node states came over the live WebSocket, not only from polling.
    expect(await page.getByText('live updates unavailable; polling').count()).toBe(0);
    const doneOverSocket = new Set(
      liveFrames.filter((f) => f.type === 'step' && f.state === 'done').map((f) => f.nodeId),
    );
    expect([...doneOverSocket].sort()).toEqual(['annotate', 'measure-blobs', 'resize']);
    expect(liveFrames.some((f) => f.type === 'run.finished')).toBe(true);
  });

  it('the runs table filters by lot and the run page shows the lineage', async () => {
    // A saved, active pipeline bound to a camera; captures sent to the gateway start its runs.
    const definition: PipelineDefinition = {
      nodes: [
        { id: 'resize', part: { id: 'pre.resize', version: '1.0.0' }, parameters: { width: 320 } },
        { id: 'blobs', part: { id: 'post.measure-blobs', version: '1.0.0' }, parameters: {} },
      ],
      edges: [
        { from: { node: 'source', port: 'image' }, to: { node: 'resize', port: 'image' } },
        { from: { node: 'resize', port: 'image' }, to: { node: 'blobs', port: 'image' } },
      ],
    };
    const json = (method: string, body?: unknown): RequestInit => ({
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const { pipelineId, version } = await platform.json<{ pipelineId: string; version: string }>(
      '/api/v1/pipelines',
      json('POST', { name: uniqueName('web e2e runs'), definition, message: 'for the runs table' }),
    );
    await eventually('version visible', async () =>
      (await platform.request(`/api/v1/pipelines/${pipelineId}/versions/${encodeURIComponent(version)}`)).ok
        ? true
        : undefined,
    );
    expect(
      (
        await platform.request(
          `/api/v1/pipelines/${pipelineId}/versions/${encodeURIComponent(version)}/activate`,
          json('POST'),
        )
      ).status,
    ).toBe(202);
    const camera = uniqueName('cam');
    expect(
      (await platform.request(`/api/v1/bindings/camera/${camera}`, json('PUT', { pipelineId }))).status,
    ).toBe(202);
    await eventually('binding and activation visible', async () => {
      const p = await platform.json<{
        bindings: { targetId: string }[];
        activeVersion: { version: string } | null;
      }>(`/api/v1/pipelines/${pipelineId}`);
      return p.bindings.some((b) => b.targetId === camera) && p.activeVersion?.version === version
        ? true
        : undefined;
    });
    const lotA = uniqueName('LOT-A');
    const lotB = uniqueName('LOT-B');
    const captures = [
      { lot: lotA, serial: 'SN-1', seed: 11 },
      { lot: lotA, serial: 'SN-2', seed: 12 },
      { lot: lotB, serial: 'SN-3', seed: 13 },
    ];
    for (const c of captures) {
      const response = await platform.request(
        `/api/v1/images?cameraId=${camera}&lineId=line-7&lot=${c.lot}&serial=${c.serial}`,
        {
          method: 'POST',
          body: new Uint8Array(await partsJpeg(c.seed)),
          headers: { 'content-type': 'image/jpeg' },
        },
      );
      expect(response.status, await response.clone().text()).toBe(201);
    }
    const runs = await eventually(
      'three runs completed',
      async () => {
        platform.assertAlive();
        const page = await platform.json<{ items: { id: string; status: string; lot: string }[] }>(
          `/api/v1/runs?cameraId=${camera}`,
        );
        return page.items.length === 3 && page.items.every((r) => r.status === 'completed')
          ? page.items
          : undefined;
      },
      120_000,
      500,
    );
    for (const r of runs) platform.trackRun(r.id);
    captured = { pipelineId, camera, lotA };

    const page = await signedIn();
    await page.getByRole('link', { name: 'Runs' }).click();
    await page.getByTestId('runs-table').waitFor();
    await page.getByLabel('Lot').fill(lotA);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.evaluate(() => window.location.hash)).toBe(`#/runs?lot=${lotA}`);
    await expect.poll(() => page.getByTestId('run-row').count()).toBe(2);
    const lots = await page.getByTestId('run-row').locator('td:nth-child(6)').allTextContents();
    expect(lots).toEqual([lotA, lotA]);
    await screenshot(page, 'runs-filtered-by-lot');

    const first = page.getByTestId('run-row').first();
    const runId = await first.getAttribute('data-run-id');
    await first.getByRole('link').click();
    const lineage = page.getByTestId('lineage');
    await lineage.waitFor();
    const facts = Object.fromEntries(
      await lineage
        .locator('.facts__row')
        .evaluateAll((rows) =>
          rows.map((r) => [
            r.querySelector('dt')?.textContent ?? '',
            r.querySelector('dd')?.textContent ?? '',
          ]),
        ),
    );
    expect(facts).toMatchObject({
      Status: 'completed',
      Camera: camera,
      Line: 'line-7',
      Lot: lotA,
      Pipeline: pipelineId,
      'Pipeline version': version,
    });
    expect(['SN-1', 'SN-2']).toContain(facts['Serial']);
    expect(await page.getByRole('heading', { level: 2 }).textContent()).toBe(`Run ${runId}`);
    await page.getByTestId('step-blobs').waitFor();
    await expect.poll(() => page.getByTestId('step-resize').getByTestId('output-image').count()).toBe(1);
    await screenshot(page, 'run-lineage');
  });

  it('opens a saved pipeline, saves a second version, shows the diff, activates and rolls back, binds a camera, and draws operations', async () => {
    if (!drawn) throw new Error('the three-node test did not save its pipeline');
    const pipeline = drawn;
    const page = await signedIn();
    await page.getByLabel('Pipeline', { exact: true }).selectOption(pipeline.id);
    await page.getByTestId('open-pipeline-button').click();
    await page.getByRole('group', { name: 'Resize node resize' }).waitFor();
    expect(await page.getByTestId('open-pipeline').textContent()).toContain(pipeline.name);
    expect(await page.getByTestId('dirty-status').textContent()).toBe('No unsaved changes');

    // A change, then an attempt to open another version: the unsaved-change warning; declining keeps the drawing.
    await selectNode(page, 'Resize node resize', 'resize');
    const width = page.getByRole('region', { name: 'Node' }).getByLabel('width', { exact: true });
    await width.fill('400');
    expect(await page.getByTestId('dirty-status').textContent()).toBe('Unsaved changes');
    const dialogs: string[] = [];
    page.once('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.getByTestId('version-row-1').getByRole('button', { name: 'Open' }).click();
    await expect.poll(() => dialogs).toEqual(['The canvas has unsaved changes. Discard them?']);
    expect(await width.inputValue()).toBe('400');

    await page.getByLabel('Version message').fill('wider');
    await page.getByTestId('save-version').click();
    await page.getByTestId('version-row-2').waitFor({ timeout: 30_000 });

    await page.getByLabel('Compare version 1').check();
    await page.getByLabel('Compare version 2').check();
    await page.getByRole('button', { name: 'Show differences' }).click();
    const diff = page.getByTestId('version-diff');
    await diff.waitFor();
    expect(await diff.textContent()).toContain('Node resize changed');
    expect(await diff.textContent()).toContain('width: 320 → 400');
    await screenshot(page, 'versions-diff');

    // Activate version 2, then roll back to version 1.
    await page.getByTestId('version-row-2').getByRole('button', { name: 'Activate' }).click();
    await page
      .getByTestId('versions-status')
      .filter({ hasText: 'Version 2 is active.' })
      .waitFor({ timeout: 30_000 });
    await page.getByTestId('version-row-1').getByRole('button', { name: 'Roll back to this' }).click();
    await page
      .getByTestId('versions-status')
      .filter({ hasText: 'Version 1 is active.' })
      .waitFor({ timeout: 30_000 });
    const details = await platform.json<{
      activeVersion: { seq: number } | null;
      activations: { seq: number | null; rollback: boolean }[];
    }>(`/api/v1/pipelines/${pipeline.id}`);
    expect(details.activeVersion?.seq).toBe(1);
    expect(details.activations.map((a) => a.seq)).toEqual([1, 2]);

    // Bind a camera.
    const camera = uniqueName('cam-bound');
    await page.getByLabel('Camera or line id').fill(camera);
    await page.getByRole('button', { name: 'Bind', exact: true }).click();
    await page.getByTestId('bindings').getByText(camera).waitFor({ timeout: 30_000 });
    const bindings = await platform.json<{ items: { targetKind: string; targetId: string }[] }>(
      `/api/v1/bindings?pipelineId=${pipeline.id}`,
    );
    expect(bindings.items).toContainEqual(
      expect.objectContaining({ targetKind: 'CAMERA', targetId: camera }),
    );

    // Run the drawing as a draft on a recent capture (an image the gateway already stores).
    await page.getByLabel('Recent capture', { exact: true }).check();
    const recent = page.getByLabel('Recent capture to run');
    await expect.poll(() => recent.locator('option').count()).toBeGreaterThan(1);
    await recent.selectOption({ index: 1 });
    await page.getByRole('button', { name: 'Run the drawing' }).click();
    await page.locator('[data-testid=run-status][data-status=completed]').waitFor({ timeout: 120_000 });
    await trackUiRun(page);
    for (const node of ['resize', 'measure-blobs', 'annotate']) {
      await expect.poll(() => page.getByTestId(`node-state-${node}`).getAttribute('data-state')).toBe('done');
    }

    // The operations view draws per-node numbers on the canvas of the version shown.
    await page.getByRole('button', { name: 'Show operations' }).click();
    await page.getByTestId('ops-summary').waitFor({ timeout: 30_000 });
    for (const node of ['resize', 'measure-blobs', 'annotate']) {
      expect(await page.getByTestId(`node-ops-${node}`).textContent()).toMatch(/\/s · p95 .* · lag /);
    }
    await screenshot(page, 'operations');
  });

  it('starts a replay through another version, watches it finish and compares the changed images side by side', async () => {
    if (!captured) throw new Error('the runs-table test did not ingest its captures');
    const { pipelineId, lotA } = captured;
    // Version 2 finds nothing: no blob of the 320-pixel-wide image reaches its minimum area.
    const definition: PipelineDefinition = {
      nodes: [
        { id: 'resize', part: { id: 'pre.resize', version: '1.0.0' }, parameters: { width: 320 } },
        { id: 'blobs', part: { id: 'post.measure-blobs', version: '1.0.0' }, parameters: { minArea: 20000 } },
      ],
      edges: [
        { from: { node: 'source', port: 'image' }, to: { node: 'resize', port: 'image' } },
        { from: { node: 'resize', port: 'image' }, to: { node: 'blobs', port: 'image' } },
      ],
    };
    const created = await platform.json<{ version: string }>(`/api/v1/pipelines/${pipelineId}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ definition, message: 'only huge blobs' }),
    });
    await eventually('version 2 visible', async () =>
      (
        await platform.request(
          `/api/v1/pipelines/${pipelineId}/versions/${encodeURIComponent(created.version)}`,
        )
      ).ok
        ? true
        : undefined,
    );

    const page = await signedIn();
    await page.getByRole('link', { name: 'Replay' }).click();
    const form = page.getByRole('form', { name: 'Replay captures through a version' });
    await form.getByLabel('Pipeline', { exact: true }).selectOption(pipelineId);
    await expect.poll(() => form.getByLabel('Target version').locator('option').count()).toBe(3);
    await form.getByLabel('Target version').selectOption(created.version);
    await form.getByLabel('Lots (comma-separated)').fill(lotA);
    await form.getByRole('button', { name: 'Start the replay' }).click();
    await expect.poll(() => page.evaluate(() => window.location.hash)).toMatch(/^#\/replays\/.+/);
    await page.locator('[data-testid=replay-status][data-status=completed]').waitFor({ timeout: 120_000 });
    await expect.poll(() => page.getByTestId('total-pending').textContent(), { timeout: 60_000 }).toBe('0');
    expect(await page.getByTestId('total-changed').textContent()).toBe('2');
    await expect.poll(() => page.getByTestId('compare-row').count()).toBe(2);
    for (const row of await page.getByTestId('compare-row').all()) {
      platform.trackRun((await row.getAttribute('data-run-id')) ?? '');
    }

    await page.getByTestId('compare-row').first().getByRole('button', { name: 'Side by side' }).click();
    const sides = page.getByTestId('side-by-side');
    const before = sides.getByRole('region', { name: 'Before' });
    const after = sides.getByRole('region', { name: 'Replay' });
    await before.getByTestId('output-image').locator('img').waitFor();
    await after.getByTestId('output-image').locator('img').waitFor();
    await expect.poll(() => before.getByTestId('detection-box').count()).toBe(3);
    expect(await after.getByTestId('detection-box').count()).toBe(0);
    // Both sides show the blob step: the replay's found nothing on the same image.
    expect(await after.getByTestId('output-image').locator('figcaption').textContent()).toBe('blobs');
    await screenshot(page, 'replay-compare');
    await screenshotOf(sides, 'replay-side-by-side');
  });
});
