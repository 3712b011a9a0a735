// login.mjs drives Debian's chromium through cctvd's login with
// playwright-core and prints what it saw as one line of JSON; the Go test
// that runs it (internal/access/browser_test.go) judges the report.
//
//	node login.mjs URL DATE USER PASSWORD
//
// It opens URL (a page behind the login), is sent to the login form, logs
// in, plays DATE until the video passes 3 s, logs out with the page's link
// and button, then opens URL again and fetches DATE's playlist with the
// browser's cookies: both must be refused.
//
// Environment: CHROMIUM (default /usr/bin/chromium), PLAY_DEADLINE_MS
// (default 60000) for each wait.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [url, date, user, password] = process.argv.slice(2);
const deadline = Number(process.env.PLAY_DEADLINE_MS || 60000);
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const flags = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];

const report = { console: [], pageErrors: [], steps: {} };
const profile = mkdtempSync(join(tmpdir(), 'cctvd-chromium-'));
let context;

try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath, headless: true, args: flags, viewport: { width: 1280, height: 900 },
  });
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(deadline);
  page.on('console', (m) => { if (m.type() === 'error') report.console.push(m.text()); });
  page.on('pageerror', (e) => report.pageErrors.push(String(e)));

  await page.goto(url, { waitUntil: 'load' });
  report.steps.before = page.url();

  await page.fill('#user', user);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('#login')]);
  report.steps.loggedIn = page.url();
  const cookies = await context.cookies();
  report.cookie = cookies.map((c) => ({ name: c.name, httpOnly: c.httpOnly, sameSite: c.sameSite, secure: c.secure }));

  await page.click(`button[data-play="${date}"]`);
  await page.waitForFunction(() => document.getElementById('player').currentTime > 3, null, { timeout: deadline, polling: 100 });
  report.played = await page.evaluate(() => {
    const v = document.getElementById('player');
    return { currentTime: v.currentTime, player: v.getAttribute('data-player') };
  });

  await Promise.all([page.waitForURL('**/logout'), page.click('#logout')]);
  await Promise.all([page.waitForURL('**/login'), page.click('button#logout')]);
  report.steps.loggedOut = page.url();
  report.cookiesAfter = (await context.cookies()).map((c) => c.name);

  await page.goto(url, { waitUntil: 'load' });
  report.steps.after = page.url();
  const pl = await page.request.get(new URL(`playlist.m3u8?date=${date}`, url).href, { failOnStatusCode: false, maxRedirects: 0 });
  report.playlistAfter = pl.status();
} catch (e) {
  report.exception = String((e && e.stack) || e);
} finally {
  if (context) await context.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(report) + '\n');
