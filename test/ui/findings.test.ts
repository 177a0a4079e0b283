/**
 * The findings of issue 16, each as what a user sees in Chromium: charts that say what their x
 * axis is and switch it, NaN marked, a serve run's model listed as a model with no one-point
 * charts, a CACHED run naming the run it reused, compare's datasets section without pid noise,
 * deployments split into live and ended, and the runs table's numbers, NaN and states.
 */
import { rmSync } from 'node:fs';
import { type MetadataStore, openStore } from '@mlmeta/core';
import { type MlmetaServer, startServer, uiDistDir } from '@mlmeta/server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserMissing, launchChromium, watchProblems } from './browser.js';
import { type Seeded, seedStore } from './seeded-store.js';

describe.skipIf(browserMissing)('web UI findings (issue 16)', () => {
  let dir: string;
  let store: MetadataStore;
  let server: MlmetaServer;
  let browser: Browser;
  let seeded: Seeded;

  beforeAll(async () => {
    if (!uiDistDir()) throw new Error('the web UI is not built: run `npm run build -w @mlmeta/server` first');
    let uri: string;
    ({ dir, uri, seeded } = await seedStore());
    store = await openStore(uri, { readOnly: true });
    server = await startServer({ store, port: 0, ui: true, logger: false });
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function open(path: string, width = 1280): Promise<{ page: Page; problems: string[] }> {
    const page = await (await browser.newContext({ viewport: { width, height: 900 } })).newPage();
    const problems = watchProblems(page);
    await page.goto(`${server.url}${path}`);
    await page.waitForSelector('body[data-ready]', { timeout: 30_000 });
    return { page, problems };
  }

  it('labels the x axis (epoch, batch step), switches it to wall time, and remembers the choice', async () => {
    const { page, problems } = await open(`/runs/${seeded.fitRunId}`);
    const loss = page.locator('figure.chart[data-metric="loss"]');
    const batch = page.locator('figure.chart[data-metric="batch/loss"]');
    expect(await loss.getAttribute('data-x-label')).toBe('epoch');
    expect(await batch.getAttribute('data-x-label')).toBe('batch step');
    expect(await loss.locator('.kind').textContent()).toBe('per epoch');
    expect(await batch.locator('.kind').textContent()).toBe('per batch');
    // Hover shows exact values in the legend.
    const box = (await loss.locator('.u-over').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
    await expect
      .poll(() => loss.locator('.u-legend .u-series').nth(1).textContent())
      .toMatch(/loss.*\d\.\d+/);

    await page.selectOption('select[name="x-axis"]', 'wall');
    await expect.poll(() => loss.getAttribute('data-x-label')).toBe('wall time');
    expect(await batch.getAttribute('data-x-label')).toBe('wall time');
    await page.check('input[name="log-scale"]');
    await expect.poll(() => loss.locator('.chart-y-label').textContent()).toContain('log scale');
    await page.reload();
    await page.waitForSelector('body[data-ready]');
    expect(await page.locator('figure.chart[data-metric="loss"]').getAttribute('data-x-label')).toBe(
      'wall time',
    );
    expect(await page.isChecked('input[name="log-scale"]')).toBe(true);
    expect(problems).toEqual([]);
  });

  it('marks NaN points instead of leaving the chart blank', async () => {
    const { page } = await open(`/runs/${seeded.nanRunId}`);
    const chart = page.locator('figure.chart[data-metric="loss"]');
    expect(await chart.getAttribute('data-non-finite')).toBe('2');
    expect(await chart.locator('.chart-note').textContent()).toContain(
      '2 non-finite values (NaN/∞) marked in red',
    );
  });

  it('lists a serve run’s model as its model, not a dataset, and draws no one-point charts', async () => {
    const { page } = await open(`/runs/${seeded.serveRunId}`);
    expect(
      await page.locator('section.card', { has: page.locator('h2', { hasText: /^Model$/ }) }).textContent(),
    ).toContain('linear.onnx');
    expect(await page.locator('.dataset').count()).toBe(0);
    expect(await page.locator('figure.chart').count()).toBe(0);
    expect(await page.locator('section.card', { hasText: 'Single values' }).textContent()).toContain(
      'serve.calls',
    );
  });

  it('says which run a CACHED run reused, and shows LOST as LOST', async () => {
    const { page } = await open(`/runs/${seeded.cachedRunId}`);
    const reused = page.locator('section.cached');
    expect(await reused.textContent()).toContain('featurize');
    const href = await reused.locator('a').getAttribute('href');
    expect(href).toMatch(/^\/runs\/\d+$/);
    expect(href).not.toBe(`/runs/${seeded.cachedRunId}`);
    const lost = await open(`/runs/${seeded.lostRunId}`);
    expect(await lost.page.locator('h1 .state').textContent()).toBe('LOST');
  });

  it('compares datasets, and leaves pid and probe times out of the environment differences', async () => {
    const { page } = await open(`/compare?ids=${seeded.fitRunId},${seeded.exportRunId}`);
    const datasets = page.locator('section.card', { has: page.locator('h2', { hasText: /^Datasets$/ }) });
    expect(await datasets.locator('tr.differs').count()).toBeGreaterThan(0);
    expect(await datasets.textContent()).toContain('train digest');
    const env = (await page.locator('section.card', { hasText: 'Environment differences' }).textContent())!;
    expect(env).not.toMatch(/\bpid\b/);
    expect(env).not.toMatch(/probeMs/);
  });

  it('splits deployments into live and ended', async () => {
    const { page } = await open('/deployments');
    expect(await page.locator('h2').allTextContents()).toEqual(['Live (0)', 'Ended (1)']);
    expect(await page.locator(`table.ended tr[data-serve-id="${seeded.serveRunId}"]`).count()).toBe(1);
  });

  it('prints 0.0001 as 0.0001 and NaN as NaN, and colours LOST and CACHED', async () => {
    const { page } = await open('/runs');
    const nanRow = page.locator(`tr[data-run-id="${seeded.nanRunId}"]`);
    const cells = await nanRow.locator('td').allTextContents();
    expect(cells).toContain('0.0001');
    expect(cells).toContain('NaN');
    const colour = (id: number) =>
      page.locator(`tr[data-run-id="${id}"] .state`).evaluate((el) => getComputedStyle(el).backgroundColor);
    const lost = await colour(seeded.lostRunId);
    const cached = await colour(seeded.cachedRunId);
    const complete = await colour(seeded.fitRunId);
    expect(new Set([lost, cached, complete]).size).toBe(3);
    expect(await page.locator(`tr[data-run-id="${seeded.lostRunId}"] .state`).textContent()).toBe('LOST');
    expect(await page.locator(`tr[data-run-id="${seeded.cachedRunId}"] .state`).textContent()).toBe('CACHED');
  });

  it('sorts every column on the server across all runs, counts them, and remembers the chosen columns', async () => {
    const { page, problems } = await open('/runs');
    const executions = (await store.getExecutions({})).items.length;
    expect(await page.locator('.page-status').getAttribute('data-total')).toBe(String(executions));
    expect(await page.locator('.page-status').textContent()).toContain(`of ${executions}`);
    // Dates on one line, compact.
    const start = page.locator('tbody tr td:nth-child(5)').first();
    expect(await start.textContent()).toMatch(/^\d\d:\d\d$/);
    // A param and a metric of one name sit under different group headers.
    expect(await page.locator('tr.column-groups th').allTextContents()).toEqual([
      'select',
      'Run',
      'Params',
      'Metrics',
    ]);

    await page.locator('th[data-column="metric:loss"]').click();
    await page.waitForURL(/sort=metric%3Aloss/);
    await page.waitForSelector('body[data-ready]');
    const first = await page.locator('tbody tr').first().getAttribute('data-run-id');
    // The failed run's loss reached 16, the highest of all: first when sorted descending.
    expect(first).toBe(String(seeded.failedRunId));
    const answer = await page.evaluate(async () => {
      const response = await fetch('/api/v1/ui/runs?sort=metric:loss&descending=false&limit=1&offset=1');
      return response.json();
    });
    expect(answer.total).toBe(executions);
    expect(answer.items).toHaveLength(1);

    await page.locator('.column-chooser summary').click();
    await page.uncheck('input[name="column-host"]');
    expect(await page.locator('th[data-column="host"]').count()).toBe(0);
    await page.reload();
    await page.waitForSelector('body[data-ready]');
    expect(await page.locator('th[data-column="host"]').count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('names lineage nodes for people, labels edges with roles, shows LOST, counts depth in hops, zooms', async () => {
    const model = (await store.getEvents({ executionIds: [seeded.fitRunId] })).find(
      (e) => e.type === 'OUTPUT',
    )!;
    const { page, problems } = await open(`/artifacts/${model.artifactId}`);
    const focus = (await page.locator('svg.lineage .node.focus .node-title').textContent())!;
    expect(focus).not.toContain('@');
    expect(focus).toMatch(/^sequential_\d+(_model)? \S+$/);
    expect(await page.locator('svg.lineage .node.focus title').textContent()).toContain('digest ');
    const roles = await page.locator('svg.lineage .edge-label').allTextContents();
    expect(roles).toEqual(expect.arrayContaining(['train', 'validation']));
    const before = await page.locator('svg.lineage').getAttribute('viewBox');
    await page.click('.graph-controls button[aria-label="zoom in"]');
    expect(await page.locator('svg.lineage').getAttribute('viewBox')).not.toBe(before);
    await page.click('.graph-controls button[aria-label="fit the graph to the screen"]');
    expect(await page.locator('svg.lineage').getAttribute('viewBox')).toBe(before);

    // The dataset the killed run read: its run is LOST, not RUNNING; depth 1 = one hop.
    const input = (await store.getEvents({ executionIds: [seeded.lostRunId] }))[0]!;
    const data = await open(`/artifacts/${input.artifactId}?depth=1`);
    const lost = data.page.locator(`svg.lineage [data-node="e${seeded.lostRunId}"]`);
    expect(await lost.locator('.node-sub').textContent()).toContain('LOST');
    const artifacts = await data.page.locator('svg.lineage .node-artifact').count();
    expect(artifacts).toBe(1);
    expect(problems).toEqual([]);
  });
  it('lists the evaluations of the models a run made, with their metrics', async () => {
    const { page, problems } = await open(`/runs/${seeded.fitRunId}`);
    const evaluations = page.locator('section.card', {
      has: page.locator('h2', { hasText: /^Evaluations$/ }),
    });
    const row = evaluations.locator(`tr[data-run-id="${seeded.evaluationRunId}"]`);
    expect(await row.count()).toBe(1);
    const headers = await evaluations.locator('th').allTextContents();
    expect(headers).toEqual(expect.arrayContaining(['loss', 'acc']));
    // The evaluation's loss is a number, printed for reading.
    const cells = await row.locator('td.num').allTextContents();
    expect(cells.every((c) => /^\d+(\.\d+)?$/.test(c))).toBe(true);
    expect(await row.locator('a[href^="/artifacts/"]').first().textContent()).toContain('sequential');
    expect(problems).toEqual([]);
  });

  it('charts system metrics in their own group, on wall time', async () => {
    const { page } = await open(`/runs/${seeded.failedRunId}`);
    expect(await page.locator('h3.chart-group').allTextContents()).toContain('System (CPU, memory, GPU)');
    for (const key of ['system/cpu.percent', 'system/memory.rss_mb']) {
      expect(await page.locator(`figure.chart[data-metric="${key}"]`).getAttribute('data-x-label')).toBe(
        'wall time',
      );
    }
    // A system series is not a result: the runs table has no column for it.
    const runs = await open('/runs');
    expect(await runs.page.locator('th[data-column^="metric:system/"]').count()).toBe(0);
  });

  it('shows a dataset’s per-feature statistics and a model’s signature, versions and where it is served', async () => {
    const events = await store.getEvents({ executionIds: [seeded.fitRunId] });
    const train = events.find((e) => e.type === 'INPUT')!;
    const dataset = await open(`/artifacts/${train.artifactId}`);
    // x: 4 features; y: 1.
    const tables = dataset.page
      .locator('section.card', { hasText: 'Feature statistics' })
      .locator('table.stats');
    expect(await tables.count()).toBe(2);
    const stats = tables.first();
    expect(await stats.locator('tbody tr').count()).toBe(4);
    expect(await stats.locator('thead th').allTextContents()).toEqual([
      'feature',
      'count',
      'min',
      'max',
      'mean',
      'std',
      'NaN',
    ]);
    expect(await stats.locator('tbody tr').first().locator('td').first().textContent()).toBe('72');

    const exported = (await store.getEvents({ executionIds: [seeded.exportRunId] })).find(
      (e) => e.type === 'OUTPUT',
    )!;
    const { page, problems } = await open(`/artifacts/${exported.artifactId}`);
    const signature = await page.locator('table.signature tbody tr').allTextContents();
    expect(signature).toEqual(['inputXfloat32[batch, 2]', 'outputYfloat32[batch, 1]']);
    const versions = page.locator('table.versions tbody tr');
    expect(await versions.count()).toBe(1);
    expect(await versions.first().textContent()).toContain('(this one)');
    expect(await versions.first().locator(`a[href="/runs/${seeded.exportRunId}"]`).count()).toBe(1);
    expect(
      await page.locator(`table.served tr[data-serve-id="${seeded.serveRunId}"]`).textContent(),
    ).toContain('COMPLETE');
    expect(problems).toEqual([]);
  });

  it('lists pipeline runs and draws one as one graph, its steps linked by the files they share', async () => {
    const list = await open('/pipelines');
    const row = list.page.locator(`tr[data-pipeline-run-id="${seeded.pipelineRunId}"]`);
    expect(await row.textContent()).toContain('ui-pipeline/run-1');
    expect(await row.locator('td.num').textContent()).toBe('2');
    await row.locator('a').click();
    await list.page.waitForURL(`**/pipelines/${seeded.pipelineRunId}`);
    await list.page.waitForSelector('body[data-ready]');
    const page = list.page;
    expect(await page.locator('table.steps tbody tr').allTextContents()).toEqual([
      expect.stringContaining('prepare'),
      expect.stringContaining('train'),
    ]);
    // raw → prepare → features → train → model: one connected graph.
    expect(await page.locator('svg.lineage').getAttribute('data-nodes')).toBe('5');
    const titles = await page.locator('svg.lineage .node-title').allTextContents();
    expect(titles).toEqual(expect.arrayContaining(['pipeline-raw.csv', 'prepare', 'features.bin', 'train']));
    const steps = await page
      .locator('table.steps tbody tr')
      .evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.runId));
    const features = page.locator('svg.lineage a.node', { hasText: 'features.bin' });
    const featuresKey = await features.getAttribute('data-node');
    expect(await page.locator(`svg.lineage .edge[data-edge="e${steps[0]}>${featuresKey}"]`).count()).toBe(1);
    expect(await page.locator(`svg.lineage .edge[data-edge="${featuresKey}>e${steps[1]}"]`).count()).toBe(1);
    // A step's run page names its pipeline run.
    await page.locator(`table.steps a[href="/runs/${steps[1]}"]`).click();
    await page.waitForSelector('body[data-ready]');
    expect(await page.locator(`.run-meta a[href="/pipelines/${seeded.pipelineRunId}"]`).count()).toBe(1);
    expect(list.problems).toEqual([]);
  });
});
