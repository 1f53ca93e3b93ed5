/**
 * The run reports as a person sees them: opened from file:// in Debian's
 * Chromium (headless, driven by playwright-core), read from the rendered
 * page, checked for the basics of accessibility with axe-core, and
 * photographed into .test-output/. test/run-all.sh installs `chromium`;
 * with CI=true a missing browser fails these tests instead of skipping them.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli';
import { fourNights, type Nights } from './nights';

const CHROMIUM = '/usr/bin/chromium';
const OUT = join(ROOT, '.test-output');
const present = existsSync(CHROMIUM);
if (!present && process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: install the Debian package chromium (test/run-all.sh does). CI=true: these tests never skip.`);
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let browser: Browser;
let n: Nights;

beforeAll(async () => {
  n = await fourNights();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  mkdirSync(OUT, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

/** A page on its file:// address; the report's own policy forbids scripts, so axe is let in by bypassing it. */
async function open(file: string): Promise<Page> {
  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`file://${file}`);
  return page;
}

/** Every cell of the row whose first cell is `first`, as shown. */
const row = (page: Page, first: string) => page.locator('tr', { has: page.locator('td:first-child', { hasText: first }) }).first().locator('td').allInnerTexts();

interface AxeResult {
  violations: { id: string; impact: string; nodes: { target: string[] }[] }[];
}

/** axe-core's WCAG 2 A and AA rules, details opened so that their tables are checked too. */
async function accessibility(page: Page): Promise<AxeResult> {
  // Strings, as they run in the page: the tests are compiled without the DOM's types.
  await page.evaluate(`document.querySelectorAll('details').forEach((d) => d.setAttribute('open', ''))`);
  await page.addScriptTag({ content: AXE });
  return (await page.evaluate(`axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })`)) as AxeResult;
}

describe.skipIf(!present)('the run reports in Chromium', () => {
  it('a delivered run: heading, outcome, per-school counts, changes and who was left out, as shown', async () => {
    const page = await open(n.nights.changes.lastRun.report!);
    expect(await page.title()).toBe('procapita-sync: Levererad, synkroniseringsdatum 2026-09-01');
    expect(await page.locator('h1').allInnerTexts()).toEqual(['Nattens körning för 2026-09-01: Levererad']);
    expect(await page.locator('#outcome').innerText()).toBe('Elevlistan levererades: 14 elever, 6 i personalen och 10 grupper.');
    const counts = n.nights.changes.lastRun.counts!;
    expect(await row(page, 'Totalt')).toEqual(['Totalt', '', String(counts.students), String(counts.staff), String(counts.classes), String(counts.teachingGroups)]);
    expect(await row(page, 'Björkskolan (BJSK)')).toEqual(['Björkskolan (BJSK)', 'F, GR', '11', '4', '3', '3']);
    expect(await page.locator('h2').allInnerTexts()).toEqual(['Tider', 'Per skola', 'Ändringar sedan förra leveransen', 'Raderingsskyddet', 'Utelämnade', 'Varningar', 'Leverans']);
    // A closed list shows its count; opened, its people.
    const added = page.locator('summary', { hasText: 'Tillagda: 1' }).first();
    expect(await added.isVisible()).toBe(true);
    expect(await page.getByText('Nova Nyström').isVisible()).toBe(false);
    await added.click();
    expect(await page.getByText('Nova Nyström').isVisible()).toBe(true);
    expect(await page.locator('a', { hasText: 'Alla utelämnade, som CSV-fil för Excel' }).getAttribute('href')).toBe('2026-09-02T010000Z-delivered-left-out.csv');
    await page.screenshot({ path: join(OUT, 'report-delivered.png'), fullPage: true });
  });

  it('a held run: the verdict, and the approve command exactly as it must be typed', async () => {
    const page = await open(n.nights.held.lastRun.report!);
    expect(await page.locator('h1').innerText()).toBe('Nattens körning för 2026-09-01: Stoppad');
    expect(await page.locator('#outcome').innerText()).toContain('Raderingsskyddet stoppade elevlistan: ingenting levererades.');
    expect(await page.locator('#approve').innerText()).toBe(`procapita-sync approve ${n.nights.held.lastRun.contentHash} --config ${n.configPath}`);
    expect(await page.locator('#approve').isVisible()).toBe(true);
    await page.screenshot({ path: join(OUT, 'report-held.png'), fullPage: true });
  });

  it('a failed run: the exit code and what it means', async () => {
    const page = await open(n.nights.failed.lastRun.report!);
    expect(await page.locator('h1').innerText()).toBe('Nattens körning för 2026-09-01: Misslyckad');
    expect(await page.locator('#outcome').innerText()).toBe('Körningen misslyckades med slutkod 4 (sourceUnavailable): ingenting levererades.');
    expect(await page.getByRole('heading', { name: 'Vad som gick fel' }).isVisible()).toBe(true);
    await page.screenshot({ path: join(OUT, 'report-failed.png'), fullPage: true });
  });

  it('the index: a row per run, linked, and the chart drawn with a point per delivered run', async () => {
    const page = await open(join(n.reports, 'index.html'));
    expect(await page.locator('h1').innerText()).toBe('Nattens körningar');
    expect(await page.locator('tbody tr').count()).toBe(4);
    expect(await page.locator('tbody tr td:nth-child(3)').allInnerTexts()).toEqual(['Misslyckad', 'Stoppad', 'Levererad', 'Levererad']);
    expect(await page.locator('svg').count()).toBe(3);
    expect(await page.locator('#chart-students circle').count()).toBe(2);
    const box = await page.locator('#chart-students').boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    expect(await page.locator('#chart-students title').textContent()).toBe('Elever från 2026-09-01 till 2026-09-01: mellan 14 och 15.');
    await page.locator('a', { hasText: '2026-09-03' }).click();
    expect(page.url()).toBe(`file://${n.nights.held.lastRun.report}`);
    await page.goBack();
    await page.screenshot({ path: join(OUT, 'report-index.png'), fullPage: true });
  });

  it('accessibility: a lang, one h1, headers on every table, and no WCAG A/AA violation axe-core finds (contrast included)', async () => {
    for (const file of [...Object.values(n.nights).map((x) => x.lastRun.report!), join(n.reports, 'index.html')]) {
      const page = await open(file);
      expect(await page.locator('html').getAttribute('lang'), file).toBe('sv');
      expect(await page.locator('h1').count(), file).toBe(1);
      for (const table of await page.locator('table').all()) expect(await table.locator('th').count(), file).toBeGreaterThan(0);
      const result = await accessibility(page);
      expect(result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((x) => x.target.join(' ')).join(', ')}`), file).toEqual([]);
    }
  });

  it('the checker does fail: a page with grey text on white and no lang is refused', async () => {
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await page.setContent('<!doctype html><html><head><title>x</title></head><body><main><h1>Rubrik</h1><p style="color:#bbb">Ljusgrå text</p></main></body></html>');
    const ids = (await accessibility(page)).violations.map((v) => v.id).sort();
    expect(ids).toEqual(['color-contrast', 'html-has-lang']);
  });
});
