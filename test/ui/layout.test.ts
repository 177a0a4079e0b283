/**
 * Tests that look: every page of the web UI at a phone (390 px), a laptop (1280 px) and a large
 * screen (1920 px) in Chromium, over a store filled by real runs. On each: no sideways scroll,
 * no chart or card overlapping another or spilling out of its card, every chart's axes
 * labelled, no page error, and no serious or critical axe-core violation. Screenshots go to
 * test-output/ui/<page>-<width>.png (CI keeps test-output/ as an artifact).
 */
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type MetadataStore, openStore } from '@mlmeta/core';
import { type MlmetaServer, startServer, uiDistDir } from '@mlmeta/server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserMissing, launchChromium, screenshot } from './browser.js';
import { type Seeded, seedStore } from './seeded-store.js';

const AXE_SCRIPT = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
export const WIDTHS = [390, 1280, 1920];

interface Box {
  what: string;
  x: number;
  y: number;
  width: number;
  height: number;
  parent: number;
}

/** Cards and charts with their boxes, and for each the index of the box that contains it in the DOM. */
async function boxes(page: Page): Promise<Box[]> {
  return page.evaluate(() => {
    // A chart's drawing (uPlot's root) must stay inside its figure, as figures inside cards.
    const selector = '.card, figure.chart, figure.chart .uplot';
    const elements = Array.from(document.querySelectorAll<HTMLElement>(selector));
    return elements.map((el) => {
      const r = el.getBoundingClientRect();
      const container = el.parentElement?.closest(selector);
      const label = el.matches('figure.chart')
        ? `chart ${el.dataset.metric}`
        : el.matches('.uplot')
          ? `plot of ${(el.closest('figure.chart') as HTMLElement | null)?.dataset.metric}`
          : `card "${el.querySelector('h2')?.textContent ?? ''}"`;
      return {
        what: label,
        x: r.x + scrollX,
        y: r.y + scrollY,
        width: r.width,
        height: r.height,
        parent: container ? elements.indexOf(container as HTMLElement) : -1,
      };
    });
  });
}

const SLACK = 1;
const intersects = (a: Box, b: Box) =>
  a.x + a.width - SLACK > b.x &&
  b.x + b.width - SLACK > a.x &&
  a.y + a.height - SLACK > b.y &&
  b.y + b.height - SLACK > a.y;
const inside = (inner: Box, outer: Box) =>
  inner.x >= outer.x - SLACK &&
  inner.y >= outer.y - SLACK &&
  inner.x + inner.width <= outer.x + outer.width + SLACK &&
  inner.y + inner.height <= outer.y + outer.height + SLACK;

/** What is wrong with the layout: overlapping siblings, children out of their container. */
export function layoutProblems(list: Box[]): string[] {
  const problems: string[] = [];
  list.forEach((box, i) => {
    if (box.parent >= 0 && !inside(box, list[box.parent]!))
      problems.push(`${box.what} spills out of ${list[box.parent]!.what}`);
    for (let j = i + 1; j < list.length; j++) {
      const other = list[j]!;
      if (other.parent !== box.parent || box.width === 0 || other.width === 0) continue;
      if (intersects(box, other)) problems.push(`${box.what} overlaps ${other.what}`);
    }
  });
  return problems;
}

describe.skipIf(browserMissing)('web UI layout at 390, 1280 and 1920 px', () => {
  let dir: string;
  let store: MetadataStore;
  let server: MlmetaServer;
  let browser: Browser;
  let seeded: Seeded;
  let pages: [string, string][];

  beforeAll(async () => {
    if (!uiDistDir()) throw new Error('the web UI is not built: run `npm run build -w @mlmeta/server` first');
    let uri: string;
    ({ dir, uri, seeded } = await seedStore());
    store = await openStore(uri, { readOnly: true });
    server = await startServer({ store, port: 0, ui: true, logger: false });
    browser = await launchChromium();
    const outputOf = async (id: number) =>
      (await store.getEvents({ executionIds: [id] })).find((e) => e.type === 'OUTPUT')!.artifactId;
    const inputOf = async (id: number) =>
      (await store.getEvents({ executionIds: [id] })).find((e) => e.type === 'INPUT')!.artifactId;
    pages = [
      ['runs', '/runs'],
      ['run', `/runs/${seeded.fitRunId}`],
      ['run-failed', `/runs/${seeded.failedRunId}`],
      ['run-nan', `/runs/${seeded.nanRunId}`],
      ['run-serve', `/runs/${seeded.serveRunId}`],
      ['run-cached', `/runs/${seeded.cachedRunId}`],
      ['run-lost', `/runs/${seeded.lostRunId}`],
      ['compare', `/compare?ids=${seeded.fitRunId},${seeded.failedRunId},${seeded.nanRunId}`],
      ['model', `/artifacts/${await outputOf(seeded.fitRunId)}`],
      ['dataset', `/artifacts/${await inputOf(seeded.fitRunId)}`],
      ['model-served', `/artifacts/${await outputOf(seeded.exportRunId)}`],
      ['run-evaluation', `/runs/${seeded.evaluationRunId}`],
      ['deployments', '/deployments'],
      ['pipelines', '/pipelines'],
      ['pipeline-run', `/pipelines/${seeded.pipelineRunId}`],
    ];
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const width of WIDTHS) {
    it(`every page at ${width} px: no sideways scroll, no overlap, labelled axes, no errors, axe`, async () => {
      // axe is injected as a script, which the UI's CSP (rightly) refuses: bypass it here only.
      const context = await browser.newContext({ viewport: { width, height: 900 }, bypassCSP: true });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(`console: ${message.text()}`);
      });
      const found: string[] = [];
      for (const [name, path] of pages) {
        await page.goto(`${server.url}${path}`);
        await page.waitForSelector('body[data-ready]', { timeout: 30_000 });
        const [scrollWidth, innerWidth] = await page.evaluate(() => [
          document.documentElement.scrollWidth,
          window.innerWidth,
        ]);
        if (scrollWidth > innerWidth)
          found.push(`${name}: scrolls sideways (${scrollWidth} > ${innerWidth} px)`);
        for (const problem of layoutProblems(await boxes(page))) found.push(`${name}: ${problem}`);
        const axes = await page.evaluate(() =>
          Array.from(document.querySelectorAll<HTMLElement>('figure.chart')).map((f) => ({
            metric: f.dataset.metric,
            x: f.querySelector('.chart-x-label')?.textContent ?? '',
            y: f.querySelector('.chart-y-label')?.textContent ?? '',
          })),
        );
        for (const axis of axes) {
          if (!/^(epoch|batch step|step|wall time)$/.test(axis.x))
            found.push(`${name}: chart ${axis.metric} has no x axis label (${axis.x})`);
          if (axis.y === '') found.push(`${name}: chart ${axis.metric} has no y axis label`);
        }
        await page.addScriptTag({ path: AXE_SCRIPT });
        const violations = await page.evaluate(async () => {
          const axe = (window as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
          interface AxeViolation {
            id: string;
            impact?: string;
            nodes: { target: string[] }[];
          }
          const result = await axe.run();
          return result.violations
            .filter((v) => v.impact === 'serious' || v.impact === 'critical')
            .map(
              (v) =>
                `${v.id} (${v.impact}) at ${v.nodes
                  .map((n) => n.target.join(' '))
                  .slice(0, 3)
                  .join(', ')}`,
            );
        });
        for (const v of violations) found.push(`${name}: axe ${v}`);
        await screenshot(page, `${name}-${width}`);
      }
      await context.close();
      expect(found).toEqual([]);
      expect(errors).toEqual([]);
    }, 180_000);
  }
});
