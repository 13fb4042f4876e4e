import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import pngjs from 'pngjs';
import { makeTempDir, REPO_ROOT, runMlship } from '@mlship/test-utils';

/**
 * `data validate --report` as a person sees it: the page is rendered by headless Chromium and the
 * screenshot's pixels are checked against the layout Chromium reports for the same page. Colours are
 * the report's own CSS custom properties (--numeric, --categorical, --bad, --fail, --pass), so
 * restyling the report keeps this test meaningful; no assertion depends on text metrics.
 */

const iris = join(REPO_ROOT, 'examples', 'iris', 'iris.csv');
/** What each iris column is, so what colour its chart's bars are when the column passes. */
const IRIS_KINDS: Record<string, 'numeric' | 'categorical'> = {
  sepal_length: 'numeric',
  sepal_width: 'numeric',
  petal_length: 'numeric',
  petal_width: 'numeric',
  species: 'categorical',
};
const WIDTH = 1200;

type Rgb = [number, number, number];
interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}
interface Layout {
  width: number;
  height: number;
  table: Box;
  verdict: Box;
  failCells: Box[];
  figures: Array<{ name: string; classes: string[]; box: Box; caption: Box; chart: Box }>;
}
interface Shot {
  width: number;
  height: number;
  /** RGBA, 4 bytes a pixel, row by row. */
  data: Uint8Array;
}

/** Runs headless Chromium; a missing binary fails the test with what to do, never skips it. */
async function chromium(dir: string, args: string[]): Promise<string> {
  const profile = await mkdtemp(join(dir, 'chromium-'));
  const result = await execa(
    'chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--hide-scrollbars',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--force-device-scale-factor=1',
      `--user-data-dir=${profile}`,
      ...args,
    ],
    { reject: false, timeout: 60_000 },
  );
  if (result.code === 'ENOENT') {
    throw new Error('chromium is not installed: run `bash scripts/system-deps.sh` (CI installs it through `npm run ci`); this test renders the HTML report with it');
  }
  if (result.exitCode !== 0) throw new Error(`chromium ${args.at(-1)} failed: ${result.shortMessage}\n${String(result.stderr).slice(-2000)}`);
  return String(result.stdout);
}

/** Where things are on the page, from a copy of it with a measuring script (the report itself has none). */
const PROBE = `<script>
const box = (el) => { const r = el.getBoundingClientRect(); return { x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height }; };
const layout = {
  width: document.documentElement.scrollWidth,
  height: document.documentElement.scrollHeight,
  table: box(document.querySelector('table')),
  verdict: box(document.querySelector('.verdict')),
  failCells: [...document.querySelectorAll('tr.fail td:first-child')].map(box),
  figures: [...document.querySelectorAll('figure')].map((figure) => ({
    name: figure.querySelector('figcaption b').textContent,
    classes: [...figure.classList],
    box: box(figure),
    caption: box(figure.querySelector('figcaption')),
    chart: box(figure.querySelector('svg')),
  })),
};
document.body.setAttribute('data-layout', btoa(JSON.stringify(layout)));
</script>`;

/** The page's layout, measured by Chromium, then its screenshot at the same width and the page's full height. */
async function render(dir: string, htmlFile: string): Promise<{ layout: Layout; shot: Shot }> {
  const html = await readFile(htmlFile, 'utf8');
  const probeFile = `${htmlFile}.probe.html`;
  await writeFile(probeFile, html.replace('</body>', `${PROBE}</body>`));
  const dom = await chromium(dir, [`--window-size=${WIDTH},900`, '--dump-dom', pathToFileURL(probeFile).href]);
  const encoded = /data-layout="([A-Za-z0-9+/=]+)"/.exec(dom)?.[1];
  if (encoded === undefined) throw new Error(`the page did not lay out (no measurements came back):\n${dom.slice(0, 2000)}`);
  const layout = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as Layout;
  const png = `${htmlFile}.png`;
  await chromium(dir, [`--window-size=${WIDTH},${Math.ceil(layout.height)}`, `--screenshot=${png}`, pathToFileURL(htmlFile).href]);
  const shot = pngjs.PNG.sync.read(await readFile(png));
  return { layout, shot: { width: shot.width, height: shot.height, data: new Uint8Array(shot.data) } };
}

/** The report's colours, from its stylesheet's :root custom properties. */
function colours(html: string): Record<'numeric' | 'categorical' | 'bad' | 'fail' | 'pass', Rgb> {
  const root = /:root\{([^}]*)\}/.exec(html)?.[1] ?? '';
  const found = Object.fromEntries([...root.matchAll(/--([a-z]+):\s*#([0-9a-f]{6})/gi)].map(([, name, hex]) => [name, [0, 2, 4].map((i) => parseInt(hex!.slice(i, i + 2), 16)) as Rgb]));
  for (const name of ['numeric', 'categorical', 'bad', 'fail', 'pass']) {
    if (!found[name]) throw new Error(`the report's stylesheet defines no --${name} colour on :root`);
  }
  return found as Record<'numeric' | 'categorical' | 'bad' | 'fail' | 'pass', Rgb>;
}

/** Pixels in `box` (whole pixels only, or the whole image) whose colour is within `tolerance` of `rgb` on every channel. */
function count(shot: Shot, rgb: Rgb, options: { box?: Box; tolerance?: number; outside?: Box[] } = {}): number {
  const { box = { x: 0, y: 0, w: shot.width, h: shot.height }, tolerance = 0, outside = [] } = options;
  const { width, data } = shot;
  const [r, g, b] = rgb;
  const [x0, x1] = [Math.max(0, Math.ceil(box.x)), Math.min(width, Math.floor(box.x + box.w))];
  const [y0, y1] = [Math.max(0, Math.ceil(box.y)), Math.min(shot.height, Math.floor(box.y + box.h))];
  const excluded = (x: number, y: number) => outside.length > 0 && outside.some((o) => x >= o.x - 1 && x < o.x + o.w + 1 && y >= o.y - 1 && y < o.y + o.h + 1);
  let n = 0;
  for (let y = y0; y < y1; y += 1) {
    for (let x = x0, i = (y * width + x0) * 4; x < x1; x += 1, i += 4) {
      // No Math.abs here: global lookups are slow in Jest's VM context (about 50x for this loop).
      const [dr, dg, db] = [data[i]! - r, data[i + 1]! - g, data[i + 2]! - b];
      if (dr <= tolerance && dr >= -tolerance && dg <= tolerance && dg >= -tolerance && db <= tolerance && db >= -tolerance && !excluded(x, y)) n += 1;
    }
  }
  return n;
}

const overlap = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
const contains = (outer: Box, inner: Box) => inner.x >= outer.x - 0.5 && inner.y >= outer.y - 0.5 && inner.x + inner.w <= outer.x + outer.w + 0.5 && inner.y + inner.h <= outer.y + outer.h + 0.5;

/** No http(s) or protocol-relative references, no scripts, no linked or imported resources. */
function expectSelfContained(html: string): void {
  expect(html).not.toMatch(/<script|<link|<iframe|<object|<embed|@import/i);
  expect(html).not.toMatch(/\b(?:src|href|xlink:href|srcset|action|poster)\s*=\s*["']?\s*(?:https?:)?\/\//i);
  expect(html).not.toMatch(/url\(\s*["']?\s*(?:https?:)?\/\//i);
}

/**
 * The layout and pixels every report must have: the whole page fits the window's width, one chart
 * per column below the checks table, none overlapping another, caption above chart; each chart's
 * bars are drawn in its colour (--bad for a failing column, else its kind's) and in no other chart
 * colour, covering a share of the chart that one full-height bar at least gives and a solid block
 * would exceed; no chart colour anywhere outside the charts (but --bad in failing charts' borders).
 */
function expectCharts(layout: Layout, shot: Shot, palette: ReturnType<typeof colours>, failing: Set<string>): void {
  const problems: string[] = [];
  if (shot.width !== WIDTH || layout.width > WIDTH) problems.push(`page is ${layout.width}px wide, screenshot ${shot.width}px, window ${WIDTH}px`);
  const page = { x: 0, y: 0, w: WIDTH, h: Math.min(shot.height, layout.height) };
  const pixels = Math.floor(page.w) * Math.floor(page.h);
  const nonWhite = (pixels - count(shot, [255, 255, 255], { box: page })) / pixels;
  if (nonWhite < 0.02) problems.push(`page nearly blank: ${(nonWhite * 100).toFixed(2)}% of pixels not white`);
  const names = layout.figures.map((figure) => figure.name);
  if (names.join() !== Object.keys(IRIS_KINDS).join()) problems.push(`charts for ${names.join(', ')}, expected ${Object.keys(IRIS_KINDS).join(', ')}`);

  for (const [i, figure] of layout.figures.entries()) {
    const where = `chart of ${figure.name}`;
    const bad = failing.has(figure.name);
    if (figure.classes.includes('bad') !== bad) problems.push(bad ? `${where}: not marked failing` : `${where}: marked failing, though its checks pass`);
    if (figure.box.y < layout.table.y + layout.table.h) problems.push(`${where}: overlaps the checks table`);
    if (figure.box.x < 0 || figure.box.x + figure.box.w > WIDTH) problems.push(`${where}: outside the page`);
    if (!contains(figure.box, figure.chart)) problems.push(`${where}: the chart spills out of its frame`);
    if (figure.caption.y + figure.caption.h > figure.chart.y + 0.5) problems.push(`${where}: the caption overlaps the chart`);
    for (const other of layout.figures.slice(i + 1)) if (overlap(figure.box, other.box)) problems.push(`${where}: overlaps the chart of ${other.name}`);

    const own = bad ? palette.bad : palette[IRIS_KINDS[figure.name] ?? 'numeric'];
    const share = count(shot, own, { box: figure.chart }) / (figure.chart.w * figure.chart.h);
    if (share < 0.02) problems.push(`${where}: bars cover ${(share * 100).toFixed(2)}% of it in rgb(${own.join()}) (empty chart?)`);
    if (share > 0.6) problems.push(`${where}: bars cover ${(share * 100).toFixed(2)}% of it in rgb(${own.join()}) (a solid block?)`);
    for (const rgb of [palette.numeric, palette.categorical, palette.bad].filter((other) => other !== own)) {
      const stray = count(shot, rgb, { box: figure.box });
      if (stray > 0) problems.push(`${where}: ${stray} pixels of rgb(${rgb.join()}), which is not its colour`);
    }
    if (bad && count(shot, palette.bad, { box: figure.box, outside: [figure.chart] }) < figure.box.w + figure.box.h) problems.push(`${where}: no border in rgb(${palette.bad.join()})`);
  }
  const charts = layout.figures.map((figure) => figure.chart);
  const frames = layout.figures.filter((figure) => failing.has(figure.name)).map((figure) => figure.box);
  for (const [name, rgb, allowed] of [['numeric', palette.numeric, charts], ['categorical', palette.categorical, charts], ['bad', palette.bad, [...charts, ...frames]]] as const) {
    const stray = count(shot, rgb, { outside: [...allowed] });
    if (stray > 0) problems.push(`${stray} pixels of --${name} outside the charts`);
  }
  expect(problems).toEqual([]);
}

describe('mlship data validate --report, rendered in headless Chromium', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const mlship = (args: string[]) => runMlship(args, { cwd: dir });

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('mlship-data-report-'));
    const inferred = await mlship(['data', 'infer-schema', iris, '--label', 'species', '--out', 'schema.yaml']);
    expect(inferred.exitCode).toBe(0);
  });
  afterAll(() => cleanup());

  it('draws every column and marks the failed checks and failing columns in the failure colours', async () => {
    const lines = (await readFile(iris, 'utf8')).trimEnd().split('\n');
    lines[3] = '5.0,abc,1.4,0.2,setosa'; // not a number
    lines[10] = '99.0,3.1,1.5,0.2,setosa'; // out of range
    lines[20] = '5.1,3.5,1.4,0.2,daisy'; // unknown category
    await writeFile(join(dir, 'bad.csv'), `${lines.join('\n')}\n`);
    const result = await mlship(['data', 'validate', 'bad.csv', '--schema', 'schema.yaml', '--report', 'bad.html', '--json']);
    expect(result.exitCode).toBe(1);
    const report = JSON.parse(result.stdout) as { checks: Array<{ check: string; column: string | null; status: string; severity: string }> };
    const failed = report.checks.filter((check) => check.status === 'fail' && check.severity === 'error');
    expect(failed.map((check) => `${check.check}:${check.column}`)).toEqual(expect.arrayContaining(['range:sepal_length', 'type:sepal_width', 'category:species']));
    const failing = new Set(failed.map((check) => check.column!));

    const html = await readFile(join(dir, 'bad.html'), 'utf8');
    expectSelfContained(html);
    const palette = colours(html);
    const { layout, shot } = await render(dir, join(dir, 'bad.html'));
    expectCharts(layout, shot, palette, failing);

    // The verdict and each failed check's status cell are written in the failure colour (text is
    // anti-aliased, so near it; a few pixels suffice whatever the font).
    expect(layout.failCells).toHaveLength(failed.length);
    const cells = [{ name: 'verdict', box: layout.verdict }, ...layout.failCells.map((box, i) => ({ name: `FAIL cell ${i + 1}`, box }))];
    const faint = cells.map(({ name, box }) => ({ name, pixels: count(shot, palette.fail, { box, tolerance: 24 }) })).filter(({ pixels }) => pixels <= 4);
    expect(faint).toEqual([]);
    expect(count(shot, palette.pass, { box: layout.verdict, tolerance: 24 })).toBe(0);
  });

  it('shows a passing file without the failure colours', async () => {
    const result = await mlship(['data', 'validate', iris, '--schema', 'schema.yaml', '--report', 'ok.html']);
    expect(result.exitCode).toBe(0);
    const html = await readFile(join(dir, 'ok.html'), 'utf8');
    expectSelfContained(html);
    const palette = colours(html);
    const { layout, shot } = await render(dir, join(dir, 'ok.html'));
    expectCharts(layout, shot, palette, new Set());

    expect(layout.failCells).toHaveLength(0);
    expect(count(shot, palette.pass, { box: layout.verdict, tolerance: 24 })).toBeGreaterThan(4);
    expect({ fail: count(shot, palette.fail, { tolerance: 40 }), bad: count(shot, palette.bad, { tolerance: 40 }) }).toEqual({ fail: 0, bad: 0 });
  });
});
