/**
 * The web UI in Debian's Chromium against real servers over a store seeded by real runs (a
 * TensorFlow.js fit through the mlmeta callback, a failed run, an ONNX model served through
 * onnxruntime-node): runs → run → metric chart (zoom refetches) → lineage graph → deployments,
 * compare, filter errors, not-found pages, and login with the session cookie.
 */
import { rmSync } from 'node:fs';
import { type MetadataStore, openStore } from '@mlmeta/core';
import { generateToken, type MlmetaServer, startServer, uiDistDir } from '@mlmeta/server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserMissing, launchChromium, screenshot, watchProblems } from './browser.js';
import { type Seeded, seedStore } from './seeded-store.js';

describe.skipIf(browserMissing)('web UI in Chromium', () => {
  let dir: string;
  let store: MetadataStore;
  let open: MlmetaServer;
  let guarded: MlmetaServer;
  let browser: Browser;
  let seeded: Seeded;
  const token = generateToken('ui-reader', 'read');

  beforeAll(async () => {
    if (!uiDistDir()) throw new Error('the web UI is not built: run `npm run build -w @mlmeta/server` first');
    let uri: string;
    ({ dir, uri, seeded } = await seedStore());
    // As `mlmeta ui` runs it: read-only store, loopback, no tokens.
    store = await openStore(uri, { readOnly: true });
    open = await startServer({ store, port: 0, ui: true, logger: false });
    guarded = await startServer({ store, port: 0, ui: true, logger: false, tokens: [token.entry] });
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await open?.close();
    await guarded?.close();
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function newPage(): Promise<{ page: Page; problems: string[] }> {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    return { page, problems: watchProblems(page) };
  }

  it('walks runs → run → metric chart → lineage graph → deployments', async () => {
    const { page, problems } = await newPage();
    const executions = (await store.getExecutions({})).items;

    await page.goto(`${open.url}/runs`);
    await page.waitForSelector('table.runs tbody tr[data-run-id]');
    expect(await page.locator('table.runs tbody tr[data-run-id]').count()).toBe(executions.length);
    await expect.poll(() => page.locator('.session').textContent()).toContain('no login');
    const failedRow = page.locator(`tr[data-run-id="${seeded.failedRunId}"]`);
    expect(await failedRow.locator('.state').textContent()).toBe('FAILED');
    expect(await failedRow.textContent()).toContain('ui-test');
    const fitRow = page.locator(`tr[data-run-id="${seeded.fitRunId}"]`);
    expect(await fitRow.locator('.state-complete').count()).toBe(1);
    // Key params and final metrics are columns.
    const headers = await page.locator('table.runs thead th').allTextContents();
    expect(headers.join('|')).toMatch(/val_loss|acc|loss/);
    await screenshot(page, '1-runs');

    await fitRow.getByRole('link', { name: 'fit-sum' }).click();
    await page.waitForURL(`**/runs/${seeded.fitRunId}`);
    await expect.poll(() => page.locator('h1').textContent()).toContain('fit-sum');
    const keys = await store.getMetricKeys({ id: seeded.fitRunId });
    expect(keys.map((k) => k.key)).toEqual(expect.arrayContaining(['loss', 'batch/loss', 'val_loss']));
    await expect
      .poll(() => page.locator('figure.chart canvas').count(), { timeout: 30_000 })
      .toBe(keys.length);
    const datasets = page.locator('.dataset');
    expect(await datasets.count()).toBe(2);
    expect(await datasets.first().textContent()).toMatch(/digest xxh3:[0-9a-f]{32}/);
    expect(await datasets.first().textContent()).toContain('[72,4]');
    expect(await page.locator('section', { hasText: 'Environment' }).first().textContent()).toContain('node');
    expect(await page.locator('section', { hasText: 'Hardware' }).first().textContent()).toContain('cpu');
    await screenshot(page, '2-run');

    // Zoom into the batch-loss chart: the visible step range is fetched again.
    const chart = page.locator('figure.chart[data-metric="batch/loss"]');
    expect(await chart.locator('.chart-note').textContent()).toMatch(/^\d+ points stored; \d+ drawn/);
    const over = chart.locator('.u-over');
    await over.scrollIntoViewIfNeeded();
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await expect
      .poll(() => chart.locator('.chart-note').textContent())
      .toMatch(/points stored in steps \d+–\d+/);
    await screenshot(page, '3-run-zoomed');

    // The model output → its lineage graph.
    const output = page.locator('table.outputs a').first();
    const modelName = (await output.textContent())!;
    await output.click();
    await page.waitForURL(/\/artifacts\/\d+/);
    await page.waitForSelector('svg.lineage');
    const graph = await store.getLineage({
      start: { artifacts: { ids: [Number(page.url().split('/').pop()!.split('?')[0])] } },
      maxHops: 6,
    });
    const nodes = page.locator('svg.lineage .node');
    expect(await nodes.count()).toBe(graph.artifacts.length + graph.executions.length);
    expect(await page.locator('svg.lineage .edge').count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator('svg.lineage .node.focus').textContent()).toContain(modelName.split('@')[0]);
    expect(await page.locator(`svg.lineage [data-node="e${seeded.fitRunId}"]`).count()).toBe(1);
    await screenshot(page, '4-lineage');
    // Depth 1 upstream: the model and the run that made it, plus that run's other outputs and inputs.
    await page.selectOption('select[name="direction"]', 'upstream');
    await expect.poll(() => page.url()).toContain('direction=upstream');
    await page.waitForSelector('svg.lineage');
    // Nodes are links: the run node leads to the run page.
    await page.locator(`svg.lineage [data-node="e${seeded.fitRunId}"]`).click();
    await page.waitForURL(`**/runs/${seeded.fitRunId}`);

    await page.getByRole('link', { name: 'Deployments' }).click();
    await page.waitForSelector('table.deployments');
    const deployments = page.locator('table.deployments tbody tr');
    expect(await deployments.count()).toBe(1);
    const row = (await deployments.first().textContent())!;
    expect(row).toContain('linear.onnx');
    expect(row).toContain('export-linear');
    expect(await deployments.first().locator(`a[href="/runs/${seeded.exportRunId}"]`).count()).toBe(1);
    await screenshot(page, '5-deployments');
    expect(problems).toEqual([]);
  });

  it('shows the failure with its stack, and compares runs with differences highlighted', async () => {
    const { page, problems } = await newPage();
    await page.goto(`${open.url}/runs/${seeded.failedRunId}`);
    await page.waitForSelector('section.failure');
    expect(await page.locator('section.failure').textContent()).toContain(
      'loss diverged to Infinity at step 5',
    );
    expect(await page.locator('section.failure pre.stack').textContent()).toContain('seed.mjs');
    await screenshot(page, '6-failed-run');

    await page.goto(`${open.url}/compare?ids=${seeded.fitRunId},${seeded.failedRunId}`);
    await page.waitForSelector('table.compare');
    expect(await page.locator('table.compare').first().locator('tr.differs').count()).toBeGreaterThan(0);
    // Both runs have a "loss" series: one chart with both curves.
    await expect.poll(() => page.locator('figure.chart[data-metric="loss"] canvas').count()).toBe(1);
    const legend = await page.locator('figure.chart[data-metric="loss"] .u-legend').textContent();
    expect(legend).toContain('fit-sum');
    expect(legend).toContain('diverging');
    await screenshot(page, '7-compare');
    expect(problems).toEqual([]);
  });

  it('filters with the store language; a syntax error shows beside the box and keeps the table', async () => {
    const { page, problems } = await newPage();
    await page.goto(`${open.url}/runs`);
    await page.waitForSelector('table.runs tbody tr[data-run-id]');
    const before = await page.locator('table.runs tbody').innerHTML();

    await page.fill('input[name="filter"]', "name = 'x' AND (");
    await page.click('form.filters button[type="submit"]');
    const error = page.locator('.filter-error');
    await expect.poll(() => error.isVisible()).toBe(true);
    expect(await error.textContent()).toMatch(/position \d+/);
    expect(await error.locator('mark').count()).toBe(1);
    expect(await page.locator('table.runs tbody').innerHTML()).toBe(before);
    await screenshot(page, '8-filter-error');

    await page.fill('input[name="filter"]', "type = 'mlmeta.Serve'");
    await page.click('form.filters button[type="submit"]');
    await page.waitForURL(/filter=/);
    await expect.poll(() => page.locator('table.runs tbody tr[data-run-id]').count()).toBe(1);
    expect(await page.locator(`tr[data-run-id="${seeded.serveRunId}"]`).count()).toBe(1);
    expect(problems).toEqual([]);
  });

  it('shows a not-found page for unknown ids and paths', async () => {
    const { page } = await newPage();
    for (const path of ['/runs/999999', '/artifacts/999999', '/no/such/page']) {
      await page.goto(`${open.url}${path}`);
      await expect.poll(() => page.locator('.not-found h1').textContent()).toBe('Not found');
    }
    expect(await page.locator('.not-found').textContent()).toContain('/no/such/page');
    await screenshot(page, '9-not-found');
  });

  it('asks for a token, refuses a wrong one, keeps a right one in an HttpOnly cookie', async () => {
    const { page, problems } = await newPage();
    await page.goto(`${guarded.url}/runs/${seeded.fitRunId}`);
    await page.waitForURL(/\/login\?next=/);
    await page.fill('input[name="token"]', 'mlm_wrong-token');
    await page.click('form.login button[type="submit"]');
    await expect.poll(() => page.locator('.login-error').textContent()).toContain('not accepted');
    await screenshot(page, '10-login-refused');

    await page.fill('input[name="token"]', token.token);
    await page.click('form.login button[type="submit"]');
    await page.waitForURL(`**/runs/${seeded.fitRunId}`);
    await expect.poll(() => page.locator('h1').textContent()).toContain('fit-sum');
    const cookies = await page.context().cookies();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ name: 'mlmeta_session', httpOnly: true, sameSite: 'Strict' });
    // No secret in the page; scripts cannot read the cookie.
    expect(await page.content()).not.toContain(token.token);
    expect(await page.evaluate(() => document.cookie)).toBe('');
    // The cookie is good for reads only: a write with the cookie alone is refused (no CSRF).
    const write = await page.evaluate(async () => {
      const response = await fetch('/api/v1/metrics', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ points: [] }),
      });
      return response.status;
    });
    expect(write).toBe(401);

    // A session whose token the server no longer accepts goes back to login.
    await page.context().addCookies([{ ...cookies[0]!, value: 'mlm_revoked' }]);
    await page.goto(`${guarded.url}/deployments`);
    await page.waitForURL(/\/login\?next=%2Fdeployments/);
    expect(problems.filter((p) => p.startsWith('csp'))).toEqual([]);
  });
});
