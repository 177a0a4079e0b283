/**
 * The lineage graph at 300 nodes in Chromium: a raw dataset → 50 prepare runs → 50 feature sets
 * → 100 training runs → 100 models, written to a real SQLite store. At 390, 1280 and 1920 px no
 * two node boxes overlap, no edge label sits on a node, the page does not scroll sideways and
 * the graph opens at a readable scale around its focus; `+N` expands a node's neighbours and
 * `−` collapses them; shift-click (or shift+Enter) on two nodes highlights the path between
 * them; a plain click opens the node's page.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MetadataStore, MLMETA_TYPE_DECLARATIONS, openStore } from '@mlmeta/core';
import { type MlmetaServer, startServer, uiDistDir } from '@mlmeta/server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserMissing, launchChromium, screenshot, watchProblems } from './browser.js';

const PREPARES = 50;
const TRAINS_PER_FEATURES = 2;

/** Writes the 301-node graph; returns the raw dataset's id and the ids along one chain. */
async function writeGraph(store: MetadataStore) {
  const artifacts = [
    { type: 'mlmeta.Dataset', externalId: 'sha256:raw', uri: 'data/raw.csv', state: 'LIVE' as const },
  ];
  const executions = [];
  const events = [];
  for (let i = 0; i < PREPARES; i++) {
    executions.push({
      type: 'mlmeta.Run',
      externalId: `prepare-${i}`,
      name: `prepare-${i}`,
      lastKnownState: 'COMPLETE' as const,
    });
    artifacts.push({
      type: 'mlmeta.Dataset',
      externalId: `sha256:features-${i}`,
      uri: `data/features-${i}.bin`,
      state: 'LIVE',
    });
    events.push(
      {
        artifact: { externalId: 'sha256:raw' },
        execution: { externalId: `prepare-${i}` },
        type: 'INPUT' as const,
        path: [{ key: 'raw' }],
      },
      {
        artifact: { externalId: `sha256:features-${i}` },
        execution: { externalId: `prepare-${i}` },
        type: 'OUTPUT' as const,
        path: [{ key: 'features' }],
      },
    );
    for (let j = 0; j < TRAINS_PER_FEATURES; j++) {
      const train = `train-${i}-${j}`;
      executions.push({
        type: 'mlmeta.Train',
        externalId: train,
        name: train,
        lastKnownState: 'COMPLETE' as const,
      });
      artifacts.push({
        type: 'mlmeta.Model',
        externalId: `sha256:model-${i}-${j}`,
        uri: `models/model-${i}-${j}`,
        state: 'LIVE',
      });
      events.push(
        {
          artifact: { externalId: `sha256:features-${i}` },
          execution: { externalId: train },
          type: 'INPUT' as const,
          path: [{ key: 'train' }],
        },
        {
          artifact: { externalId: `sha256:model-${i}-${j}` },
          execution: { externalId: train },
          type: 'OUTPUT' as const,
          path: [{ key: 'model' }],
        },
      );
    }
  }
  await store.putLineage({ types: MLMETA_TYPE_DECLARATIONS, artifacts, executions, events });
  const artifactId = async (externalId: string) => (await store.getArtifact({ externalId }))!.id;
  const executionId = async (externalId: string) => (await store.getExecution({ externalId }))!.id;
  return {
    raw: await artifactId('sha256:raw'),
    prepare0: await executionId('prepare-0'),
    features0: await artifactId('sha256:features-0'),
    train00: await executionId('train-0-0'),
    model00: await artifactId('sha256:model-0-0'),
  };
}

interface Rect {
  key: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Node boxes and edge labels in graph units, as drawn. */
function drawnBoxes(page: Page): Promise<{ nodes: Rect[]; labels: Rect[] }> {
  return page.evaluate(() => {
    const nodes = Array.from(
      document.querySelectorAll<SVGRectElement>('svg.lineage a.node rect.node-box'),
    ).map((r) => ({
      key: (r.closest('a') as unknown as SVGAElement).dataset.node!,
      x: r.x.baseVal.value,
      y: r.y.baseVal.value,
      width: r.width.baseVal.value,
      height: r.height.baseVal.value,
    }));
    const labels = Array.from(document.querySelectorAll<SVGTextElement>('svg.lineage .edge-label')).map(
      (t) => {
        const b = t.getBBox();
        return { key: t.dataset.edge!, x: b.x, y: b.y, width: b.width, height: b.height };
      },
    );
    return { nodes, labels };
  });
}

const overlap = (a: Rect, b: Rect) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** Overlapping pairs, by sorting on x so 300 boxes are not 45,000 comparisons each time. */
function overlaps(boxes: Rect[], others: Rect[] = boxes): string[] {
  const found: string[] = [];
  const sorted = [...others].sort((a, b) => a.x - b.x);
  for (const box of boxes) {
    for (const other of sorted) {
      if (other.x > box.x + box.width) break;
      if (other === box || (others === boxes && other.key <= box.key)) continue;
      if (overlap(box, other)) found.push(`${box.key} overlaps ${other.key}`);
    }
  }
  return found;
}

describe.skipIf(browserMissing)('lineage graph at 300 nodes', () => {
  let dir: string;
  let store: MetadataStore;
  let server: MlmetaServer;
  let browser: Browser;
  let ids: Awaited<ReturnType<typeof writeGraph>>;

  beforeAll(async () => {
    if (!uiDistDir()) throw new Error('the web UI is not built: run `npm run build -w @mlmeta/server` first');
    dir = mkdtempSync(join(tmpdir(), 'mlmeta-ui-graph-'));
    store = await openStore(`sqlite:${join(dir, 'mlmeta.db')}`);
    ids = await writeGraph(store);
    server = await startServer({ store, port: 0, ui: true, logger: false });
    browser = await launchChromium();
  }, 120_000);

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

  for (const width of [390, 1280, 1920]) {
    it(`draws 301 nodes at ${width} px with no overlapping boxes, readable around the focus`, async () => {
      const { page, problems } = await open(`/artifacts/${ids.raw}?depth=4`, width);
      const svg = page.locator('svg.lineage');
      expect(await svg.getAttribute('data-nodes')).toBe('301');
      const { nodes, labels } = await drawnBoxes(page);
      expect(nodes).toHaveLength(301);
      expect(labels.length).toBe(300);
      expect(overlaps(nodes)).toEqual([]);
      expect(overlaps(labels, nodes)).toEqual([]);
      // Readable: the focus is on screen, inside the drawing, with its title at least 9 px tall.
      const graphBox = (await svg.boundingBox())!;
      const title = (await page.locator('svg.lineage a.node.focus .node-title').boundingBox())!;
      expect(title.height).toBeGreaterThanOrEqual(9);
      expect(title.x).toBeGreaterThanOrEqual(graphBox.x);
      expect(title.x + title.width).toBeLessThanOrEqual(graphBox.x + graphBox.width);
      const [scrollWidth, innerWidth] = await page.evaluate(() => [
        document.documentElement.scrollWidth,
        window.innerWidth,
      ]);
      expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
      await screenshot(page, `lineage-300-${width}`);
      // Fit shows all of it; the boxes are the same boxes.
      await page.click('.graph-controls button[aria-label="fit the graph to the screen"]');
      const fitted = (await svg.getAttribute('viewBox'))!.split(' ').map(Number);
      expect(fitted[2]).toBe(Number(await svg.getAttribute('data-width')));
      await screenshot(page, `lineage-300-fit-${width}`);
      expect(problems).toEqual([]);
    });
  }

  it('expands a node’s hidden neighbours, collapses them again, and opens a node’s page on click', async () => {
    const { page, problems } = await open(`/artifacts/${ids.raw}?depth=1`);
    const svg = page.locator('svg.lineage');
    expect(await svg.getAttribute('data-nodes')).toBe(String(1 + PREPARES));
    // The focus shows everything it has; prepare-0 has one output not shown.
    expect(await page.locator(`[data-for="a${ids.raw}"]`).count()).toBe(0);
    const expand = page.locator(`.node-action[data-for="e${ids.prepare0}"]`);
    expect(await expand.getAttribute('data-action')).toBe('expand');
    expect(await expand.textContent()).toContain('+1');
    // 51 nodes open around the focus; fitted, every node is on screen to click.
    await page.click('.graph-controls button[aria-label="fit the graph to the screen"]');
    await expand.click();
    await expect.poll(() => svg.getAttribute('data-nodes')).toBe(String(2 + PREPARES));
    expect(await page.locator(`a.node[data-node="a${ids.features0}"]`).count()).toBe(1);
    // The new feature set has two training runs behind it.
    expect(await page.locator(`.node-action[data-for="a${ids.features0}"]`).textContent()).toContain('+2');
    const collapse = page.locator(`.node-action[data-for="e${ids.prepare0}"]`);
    expect(await collapse.getAttribute('data-action')).toBe('collapse');
    await collapse.click();
    await expect.poll(() => svg.getAttribute('data-nodes')).toBe(String(1 + PREPARES));
    expect(await page.locator(`a.node[data-node="a${ids.features0}"]`).count()).toBe(0);
    // Keyboard: the button is focusable and Enter presses it.
    await page.locator(`.node-action[data-for="e${ids.prepare0}"]`).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => svg.getAttribute('data-nodes')).toBe(String(2 + PREPARES));

    await page.locator(`a.node[data-node="e${ids.prepare0}"]`).click();
    await page.waitForURL(`**/runs/${ids.prepare0}`);
    expect(problems).toEqual([]);
  });

  it('highlights the path between two shift-clicked nodes and clears it', async () => {
    const { page, problems } = await open(`/artifacts/${ids.raw}?depth=4`);
    const svg = page.locator('svg.lineage');
    await page.locator(`a.node[data-node="a${ids.raw}"]`).click({ modifiers: ['Shift'] });
    expect(page.url()).toContain(`/artifacts/${ids.raw}`);
    expect(await page.locator('.path-status').textContent()).toContain('second node');
    // The model is off screen at this scale: select it from the keyboard.
    await page.locator(`a.node[data-node="a${ids.model00}"]`).focus();
    await page.keyboard.press('Shift+Enter');
    const path = [
      `a${ids.raw}`,
      `e${ids.prepare0}`,
      `a${ids.features0}`,
      `e${ids.train00}`,
      `a${ids.model00}`,
    ];
    await expect.poll(() => svg.getAttribute('data-path')).toBe(path.join(' '));
    expect(await page.locator('svg.lineage a.node.on-path').count()).toBe(5);
    expect(await page.locator('svg.lineage .edge.on-path').count()).toBe(4);
    expect(await page.locator('.path-status').textContent()).toMatch(
      /^Path \(4 hops\): raw\.csv → prepare-0 → /,
    );
    await page.getByRole('button', { name: 'Clear path' }).click();
    expect(await svg.getAttribute('data-path')).toBe('');
    expect(await page.locator('svg.lineage a.node.on-path').count()).toBe(0);
    expect(problems).toEqual([]);
  });
});
