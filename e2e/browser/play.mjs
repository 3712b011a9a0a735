// play.mjs drives Debian's chromium through cctvd's index page with
// playwright-core and prints what it saw as one line of JSON; the Go test
// that runs it (internal/web/browser_test.go) judges the report. It waits
// on the page's state with a deadline, never for a fixed time.
//
//	node play.mjs CASE URL [ARGS]
//
//	day DATE           press ▶ play of DATE; wait until the video passes 5 s
//	thumb DATE HH      click the thumbnail of hour HH: the player seeks there
//	timeline DATE MS   click DATE's timeline where it shows wall-clock MS (Unix ms)
//	live MS            press "watch live"; wait until the playing wall clock passes MS + 2 s
//	archive DATE       say whether the page offers DATE's H.265 mp4 or its download
//	overview           on the cameras' overview, press "watch all live"; wait
//	                   until every tile's player has played 3 s on from when
//	                   all were first playing at once
//	archive-timeline DATE MS
//	                   click archived DATE's timeline where it shows MS: the
//	                   player seeks in its mp4. The page is told this chromium
//	                   plays HEVC; the test serves an H.264 stand-in it can play.
//	range DATE FROM TO ZIP [TYPED_FROM TYPED_TO FROM_MS TO_MS]
//	                   drag the mouse along DATE's timeline from where it shows
//	                   wall-clock FROM to TO (Unix ms); report the export
//	                   form's fields; press preview and wait until the player
//	                   plays; press the zip button and save the download as
//	                   ZIP. Then type TYPED_FROM and TYPED_TO (datetime-local
//	                   values; FROM_MS, TO_MS as Unix ms) into the fields,
//	                   press preview and wait until the player plays from
//	                   FROM_MS on, then until it pauses past TO_MS - 1 s.
//	archive-preview DATE FROM TO FROM_MS TO_MS
//	                   the same typed preview of archived DATE, which plays in
//	                   its mp4 (HEVC as for archive-timeline)
//
// Environment: CHROMIUM (default /usr/bin/chromium), PLAY_DEADLINE_MS
// (default 60000) for each wait.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [kase, url, ...args] = process.argv.slice(2);
const deadline = Number(process.env.PLAY_DEADLINE_MS || 60000);
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const flags = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];

const report = { case: kase, args, console: [], pageErrors: [], httpErrors: [], segments: [], steps: {} };
const started = Date.now();
const step = (name) => { report.steps[name] = Date.now() - started; };
const profile = mkdtempSync(join(tmpdir(), 'cctvd-chromium-')); // a fresh --user-data-dir
let context;

// state is what the page shows of its player.
function state(page) {
  return page.evaluate(() => {
    const v = document.getElementById('player');
    const status = document.getElementById('status');
    return {
      player: v.getAttribute('data-player'),
      currentTime: v.currentTime,
      paused: v.paused,
      seeking: v.seeking,
      readyState: v.readyState,
      error: v.error ? { code: v.error.code, message: v.error.message } : null,
      fatal: v.getAttribute('data-fatal'),
      wallclock: v.hasAttribute('data-wallclock') ? Number(v.getAttribute('data-wallclock')) : null,
      src: v.currentSrc,
      status: status ? status.textContent : null,
      hevc: document.documentElement.getAttribute('data-hevc'),
    };
  });
}

// until polls the page's player state until done(state) holds, it fails,
// or the deadline passes; every state seen goes to seen(state).
async function until(page, done, seen = () => {}) {
  const end = Date.now() + deadline;
  for (;;) {
    const s = await state(page);
    seen(s);
    if (s.currentTime > 0 && !('playing' in report.steps)) step('playing');
    if (done(s)) return { reached: true, state: s };
    if (s.error || s.fatal || Date.now() > end) return { reached: false, state: s };
    await page.waitForTimeout(100);
  }
}

// tiles is what the overview shows of each camera's player.
function tiles(page) {
  return page.evaluate(() => Array.from(document.querySelectorAll('.cam')).map((li) => {
    const v = li.querySelector('video');
    if (!v) return { camera: li.getAttribute('data-camera') };
    return {
      camera: li.getAttribute('data-camera'),
      player: v.getAttribute('data-player'),
      currentTime: v.currentTime,
      paused: v.paused,
      readyState: v.readyState,
      error: v.error ? { code: v.error.code, message: v.error.message } : null,
      fatal: v.getAttribute('data-fatal'),
      frag: v.getAttribute('data-frag'),
      wallclock: v.hasAttribute('data-wallclock') ? Number(v.getAttribute('data-wallclock')) : null,
      src: v.currentSrc,
      visible: !v.hidden,
      status: li.querySelector('.status').textContent,
    };
  }));
}

// untilTiles polls the overview's players until done(tiles) holds, one
// fails, or the deadline passes; every fragment a tile plays goes into
// report.frags[camera].
async function untilTiles(page, done) {
  const end = Date.now() + deadline;
  report.frags = report.frags || {};
  for (;;) {
    const ts = await tiles(page);
    for (const t of ts) {
      if (!t.frag) continue;
      const seen = report.frags[t.camera] = report.frags[t.camera] || [];
      if (!seen.includes(t.frag)) seen.push(t.frag);
    }
    if (done(ts)) return { reached: true, tiles: ts };
    if (ts.some((t) => t.error || t.fatal) || Date.now() > end) return { reached: false, tiles: ts };
    await page.waitForTimeout(100);
  }
}

// timelinePixel finds the pixel of date's timeline that shows wall-clock
// ms: {x, y} to point at, and the wall-clock ms of that pixel.
async function timelinePixel(page, date, ms) {
  const tl = page.locator(`svg.tl[data-date="${date}"]`);
  await tl.scrollIntoViewIfNeeded();
  const box = await tl.boundingBox();
  const start = Number(await tl.getAttribute('data-start'));
  const len = Number(await tl.getAttribute('data-len'));
  const x = Math.round(box.x + box.width * (ms - start) / (1000 * len));
  return { x, y: box.y + 9, ms: start + Math.round((x - box.x) / box.width * 1000 * len) };
}

// clickTimeline clicks date's timeline where it shows wall-clock ms, to
// the pixel, and reports the time of day of the pixel clicked.
async function clickTimeline(page, date, ms) {
  const p = await timelinePixel(page, date, ms);
  report.clickedMs = p.ms;
  await page.mouse.click(p.x, p.y);
}

// fields are date's export form's from and to, as the page has them.
function fields(page, date) {
  return page.evaluate((date) => {
    const f = document.querySelector(`form.export[data-date="${date}"]`);
    return { start: f.querySelector('input[name="start"]').value, end: f.querySelector('input[name="end"]').value };
  }, date);
}

// followSeek waits for the player to play from where a click sent it,
// then for 2 s more of video; report.first is where it landed.
async function followSeek(page) {
  const first = await until(page, (s) => s.wallclock != null && !s.paused && s.currentTime > 0);
  report.first = first.state;
  if (!first.reached) {
    Object.assign(report, first);
    return;
  }
  const from = first.state.currentTime;
  Object.assign(report, await until(page, (s) => s.currentTime > from + 2));
}

// typedPreview types from and to into date's export form, presses
// preview, waits until the player plays from fromMs on (report.second),
// then until it pauses past toMs - 1 s (report.state).
async function typedPreview(page, date, from, to, fromMs, toMs) {
  const form = `form.export[data-date="${date}"]`;
  await page.fill(`${form} input[name="start"]`, from);
  await page.fill(`${form} input[name="end"]`, to);
  report.typedFields = await fields(page, date);
  await page.click(`${form} .preview`);
  const second = await until(page, (s) => s.wallclock != null && !s.paused && s.wallclock >= fromMs - 500 && s.wallclock < toMs);
  report.second = second.state;
  if (!second.reached) {
    Object.assign(report, second);
    return;
  }
  Object.assign(report, await until(page, (s) => s.paused && !s.seeking && s.wallclock != null && s.wallclock >= toMs - 1000));
}

function thumbs(page, date) {
  return page.evaluate((date) => Array.from(document.querySelectorAll('.thumbs img'))
    .filter((img) => img.getAttribute('src').startsWith('thumb/' + date + '/'))
    .map((img) => ({ src: img.getAttribute('src'), complete: img.complete, width: img.naturalWidth, height: img.naturalHeight })), date);
}

try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath, headless: true, args: flags, viewport: { width: 1280, height: 900 }, acceptDownloads: true,
  });
  step('launched');
  const page = context.pages()[0] || await context.newPage();
  if (kase === 'archive-timeline' || kase === 'archive-preview') {
    await page.addInitScript(() => {
      const canPlayType = HTMLMediaElement.prototype.canPlayType;
      HTMLMediaElement.prototype.canPlayType = function (type) {
        return /hvc1/.test(type) ? 'probably' : canPlayType.call(this, type);
      };
    });
  }
  page.on('console', (m) => { if (m.type() === 'error') report.console.push(m.text()); });
  page.on('pageerror', (e) => report.pageErrors.push(String(e)));
  page.on('request', (r) => { if (/\.ts(\?|$)/.test(r.url())) report.segments.push(r.url()); });
  page.on('response', (r) => { if (r.status() >= 400) report.httpErrors.push(r.status() + ' ' + r.url()); });
  await page.goto(url, { waitUntil: 'load' });
  report.title = await page.title();
  step('loaded');

  switch (kase) {
    case 'day': {
      const [date] = args;
      await page.click(`button[data-play="${date}"]`);
      Object.assign(report, await until(page, (s) => s.currentTime > 5));
      break;
    }
    case 'thumb':
    case 'timeline': {
      const [date, where] = args;
      // Wait for the day's thumbnails (lazy images load once in view).
      await page.locator(`.thumbs img[src^="thumb/${date}/"]`).last().scrollIntoViewIfNeeded();
      await page.waitForFunction((date) => Array.from(document.querySelectorAll(`.thumbs img[src^="thumb/${date}/"]`))
        .every((img) => img.complete), date, { timeout: deadline });
      report.thumbs = await thumbs(page, date);
      if (kase === 'thumb') {
        await page.click(`a[href="thumb/${date}/${where}.jpg"]`);
      } else {
        await clickTimeline(page, date, Number(where));
      }
      await followSeek(page);
      break;
    }
    case 'archive-timeline': {
      const [date, where] = args;
      await clickTimeline(page, date, Number(where));
      await followSeek(page);
      break;
    }
    case 'range': {
      const [date, from, to, zip, typedFrom, typedTo, typedFromMs, typedToMs] = args;
      const form = `form.export[data-date="${date}"]`;
      const a = await timelinePixel(page, date, Number(from));
      const b = await timelinePixel(page, date, Number(to));
      report.draggedMs = [a.ms, b.ms];
      await page.mouse.move(a.x, a.y);
      await page.mouse.down();
      await page.mouse.move(b.x, b.y, { steps: 8 });
      await page.mouse.up();
      report.fields = await fields(page, date);
      report.selection = await page.evaluate((date) => {
        const sel = document.querySelector(`svg.tl[data-date="${date}"] .sel`);
        return sel ? { x: sel.getAttribute('x'), width: sel.getAttribute('width'), visibility: sel.getAttribute('visibility') } : null;
      }, date);
      step('dragged');
      await page.click(`${form} .preview`);
      const first = await until(page, (s) => s.wallclock != null && !s.paused && s.currentTime > 0);
      report.first = first.state;
      if (!first.reached) {
        Object.assign(report, first);
        break;
      }
      step('previewed');
      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: deadline }),
        page.click(`${form} button[formaction="export.zip"]`),
      ]);
      await download.saveAs(zip);
      report.download = { name: download.suggestedFilename(), failure: await download.failure() };
      step('downloaded');
      if (!typedFrom) {
        report.reached = true;
        report.state = await state(page);
        break;
      }
      await typedPreview(page, date, typedFrom, typedTo, Number(typedFromMs), Number(typedToMs));
      break;
    }
    case 'archive-preview': {
      const [date, from, to, fromMs, toMs] = args;
      await typedPreview(page, date, from, to, Number(fromMs), Number(toMs));
      break;
    }
    case 'live': {
      const midnight = Number(args[0]);
      let min = Infinity;
      await page.click('#live');
      Object.assign(report, await until(page, (s) => s.wallclock != null && s.wallclock > midnight + 2000,
        (s) => { if (s.wallclock != null) min = Math.min(min, s.wallclock); }));
      report.minWallclock = Number.isFinite(min) ? min : null;
      break;
    }
    case 'overview': {
      const all = (ts) => ts.filter((t) => t.player);
      await page.click('#all');
      const first = await untilTiles(page, (ts) => all(ts).length > 0 && all(ts).every((t) => !t.paused && t.currentTime > 0));
      report.firstTiles = first.tiles;
      if (!first.reached) {
        Object.assign(report, first);
        break;
      }
      const from = Object.fromEntries(first.tiles.map((t) => [t.camera, t.currentTime]));
      Object.assign(report, await untilTiles(page, (ts) => all(ts).every((t) => !t.paused && t.currentTime > from[t.camera] + 3)));
      break;
    }
    case 'archive': {
      const [date] = args;
      const offer = await page.evaluate((date) => {
        const buttons = Array.from(document.querySelectorAll(`button[data-mp4^="${date}/"]`));
        const note = document.querySelector(`tr.day:has(button[data-mp4^="${date}/"]) .hevc`);
        return {
          buttons: buttons.map((b) => ({ mp4: b.getAttribute('data-mp4'), visible: !b.hidden })),
          note: note ? { visible: !note.hidden, text: note.textContent, links: Array.from(note.querySelectorAll('a[download]')).map((a) => a.getAttribute('href')) } : null,
          hevc: document.documentElement.getAttribute('data-hevc'),
        };
      }, date);
      report.offer = offer;
      if (offer.hevc === 'yes' && offer.buttons.length) {
        await page.click(`button[data-mp4="${offer.buttons[0].mp4}"]`);
        Object.assign(report, await until(page, (s) => s.currentTime > 1));
      } else {
        report.state = await state(page);
        report.reached = true;
      }
      break;
    }
    default:
      throw new Error(`unknown case ${kase}`);
  }
  step('done');
} catch (e) {
  report.exception = String((e && e.stack) || e);
} finally {
  if (context) await context.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}
report.ms = Date.now() - started;
process.stdout.write(JSON.stringify(report) + '\n');
