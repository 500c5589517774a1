/**
 * A real browser (Debian's chromium via playwright-core) opens the answer form, fills it in, submits
 * it and sees the score — the page must work without JavaScript, so we also run with JS disabled.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { keyAnswers, startFixture, type Fixture } from './helpers.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
// CI installs chromium (.ci/run); a developer machine without it skips with a clear reason.
const skip = !existsSync(CHROMIUM) && !process.env['CI'] ? `no browser at ${CHROMIUM} (apt-get install chromium)` : false;

let fx: Fixture;
let browser: Browser;
before(async () => {
  if (skip) return;
  fx = await startFixture({ perIpPerMinute: 10_000 });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
after(async () => {
  await browser?.close();
  await fx?.server.close();
});

test('fill the form with the key, submit, see full marks (JavaScript disabled)', { skip }, async () => {
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  const v = fx.practice.variants[0]!;
  await page.goto(`${fx.server.url}/`);
  await page.selectOption('#exam', 'srv-practice');
  await page.fill('#code', v.code.toLowerCase());
  await page.click('button[type=submit]');
  await page.waitForURL(`**/exam/srv-practice/${v.code}`);
  await page.getByLabel('Student ID').fill('s-browser-1');
  const answers = keyAnswers(fx.practice);
  for (const q of v.questions)
    for (const p of q.parts) {
      const name = `${q.number}.${p.id}`;
      const a = p.answer;
      if (a.kind === 'choice') await page.check(`input[name="${name}"][value="${a.value}"]`);
      else if (a.kind === 'labels') for (const l of a.value) await page.check(`input[name="${name}"][value="${l}"]`);
      else await page.fill(`[name="${name}"]`, answers[name]!);
    }
  mkdirSync('out/test-screenshots', { recursive: true });
  await page.screenshot({ path: 'out/test-screenshots/form-filled.png', fullPage: true });
  await page.click('button[type=submit]');
  const status = page.getByRole('status');
  await status.waitFor();
  const text = await status.textContent();
  assert.match(text ?? '', new RegExp(`Score: ${fx.practice.totalPoints} / ${fx.practice.totalPoints}`));
  await page.screenshot({ path: 'out/test-screenshots/result.png', fullPage: true });
  await ctx.close();
});

test('a typo keeps every typed value and names the field (JavaScript enabled)', { skip }, async () => {
  const page = await browser.newPage();
  const v = fx.practice.variants[1]!;
  await page.goto(`${fx.server.url}/exam/srv-practice/${v.code}`);
  await page.getByLabel('Student ID').fill('s-browser-2');
  const q1 = v.questions[0]!;
  const field = `${q1.number}.${q1.parts[0]!.id}`;
  await page.fill(`[name="${field}"]`, '(32, 32, banana)');
  await page.click('button[type=submit]');
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match((await alert.textContent()) ?? '', /Question 1/);
  assert.equal(await page.inputValue(`[name="${field}"]`), '(32, 32, banana)');
  assert.equal(await page.inputValue('#student'), 's-browser-2');
  await page.close();
});
