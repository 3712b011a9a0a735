// player.js plays cctvd's footage on the index page: a day's HLS playlist
// through hls.js where Media Source Extensions work (the browser's own HLS
// only where they do not), an archived day's H.265 mp4 where the browser
// decodes HEVC. A click on a day's timeline or on a thumbnail seeks to
// that time of day: in the day's playlist or, for an archived day, in the
// mp4 that holds it (the timeline's data-file, or one of its data-files
// when late segments were archived apart), through the runs the server
// lists. An archive played to its end goes on with the day's next one.
// A drag along a day's timeline (mouse, touch or pen) picks a range for
// its export form's from/to fields, which stay the way to pick it by
// keyboard; "preview" plays the range in the player and pauses at its
// end. Times in the fields are the server's clock, as the timelines show.
// No framework, no build step; the page works without it.
//
// State for people and tests is kept on the <video>: data-player (hls.js,
// native or mp4), data-wallclock (the playing position, Unix ms) and
// data-fatal (the last fatal hls.js error, if any).
(function () {
  'use strict';

  var watch = document.getElementById('watch');
  var video = document.getElementById('player');
  var status = document.getElementById('status');
  if (!watch || !video || !status) return;

  var Hls = window.Hls;
  var useHls = !!(Hls && Hls.isSupported());
  var nativeHls = video.canPlayType('application/vnd.apple.mpegurl') !== '';
  // Archives are libx265 Main, tagged hvc1.
  var hevc = ['video/mp4; codecs="hvc1.1.6.L93.B0"', 'video/mp4; codecs="hvc1"'].some(function (t) {
    return video.canPlayType(t) !== '';
  });
  document.documentElement.setAttribute('data-hevc', hevc ? 'yes' : 'no');

  var hls = null; // the hls.js instance playing, if any
  var previewEnd = null; // wall-clock ms where a preview pauses; null: none
  var cur = null; // what is loaded: {date, live} or {mp4, date} (date: the day whose timeline maps the mp4, if any)
  var recovered = 0;

  function say(msg) {
    status.textContent = msg;
  }

  function timelines() {
    return Array.prototype.slice.call(document.querySelectorAll('svg.tl'));
  }

  // The timeline whose day holds wall-clock time ms.
  function timelineAt(ms) {
    return timelines().filter(function (tl) {
      var start = +tl.getAttribute('data-start');
      return ms >= start && ms < start + 1000 * +tl.getAttribute('data-len');
    })[0];
  }

  function timelineOf(date) {
    return timelines().filter(function (tl) {
      return tl.getAttribute('data-date') === date;
    })[0];
  }

  // The archive an archived day's timeline seeks in (its first, when it
  // has several); null for a day of segments.
  function fileOf(date) {
    var tl = timelineOf(date);
    return tl ? tl.getAttribute('data-file') : null;
  }

  // The archives a timeline's runs are in, in order; none for a day of segments.
  function filesOf(tl) {
    if (!tl) return [];
    var all = tl.getAttribute('data-files');
    var one = tl.getAttribute('data-file');
    return all ? all.split(' ') : one ? [one] : [];
  }

  // canSeek says whether a click on date's timeline or thumbnails can play.
  function canSeek(date) {
    return fileOf(date) ? hevc : useHls || nativeHls;
  }

  // The server's map of a day's runs, in time order: [{wall (ms), pos (s),
  // len (s), file (the archive's URL; null in the playlist)}].
  function runs(date) {
    var tl = timelineOf(date);
    var map = tl ? tl.getAttribute('data-map') : '';
    var files = filesOf(tl);
    return map ? map.split(',').map(function (r) {
      var f = r.split(' ');
      return { wall: +f[0], pos: +f[1], len: +f[2], file: files.length ? files[+(f[3] || 0)] : null };
    }) : [];
  }

  // The runs of what is loaded: those in its archive, or the playlist's.
  function loadedRuns() {
    return runs(cur.date).filter(function (r) {
      return !cur.mp4 || r.file === cur.mp4;
    });
  }

  // runAt is the run wall-clock ms falls in or, in a gap, the next one.
  function runAt(rs, ms) {
    for (var i = 0; i < rs.length; i++) {
      if (ms < rs[i].wall + 1000 * rs[i].len) return rs[i];
    }
    return rs.length ? rs[rs.length - 1] : null;
  }

  function fragments() {
    if (!hls || !hls.levels || !hls.levels.length) return [];
    var lv = hls.levels[hls.currentLevel >= 0 ? hls.currentLevel : 0];
    return lv && lv.details ? lv.details.fragments : [];
  }

  // posAt maps wall-clock ms to a position in the playlist: in the
  // footage at that time or, in a gap, at the start of the next footage.
  // hls.js knows every fragment's EXT-X-PROGRAM-DATE-TIME; for native HLS
  // the server's map of the day's runs stands in.
  function posAt(ms, frags) {
    var i;
    if (frags) {
      for (i = 0; i < frags.length; i++) {
        var f = frags[i];
        if (f.programDateTime == null) continue;
        if (ms < f.programDateTime + 1000 * f.duration) {
          return f.start + Math.max(0, ms - f.programDateTime) / 1000;
        }
      }
      return frags.length ? frags[frags.length - 1].start : 0;
    }
    var rs = loadedRuns();
    for (i = 0; i < rs.length; i++) {
      if (ms < rs[i].wall + 1000 * rs[i].len) return rs[i].pos + Math.max(0, ms - rs[i].wall) / 1000;
    }
    return rs.length ? rs[rs.length - 1].pos : 0;
  }

  // wallAt maps a playlist position to wall-clock ms; NaN when unknown.
  function wallAt(t) {
    var i;
    if (hls) {
      var frags = fragments();
      for (i = frags.length - 1; i >= 0; i--) {
        var f = frags[i];
        if (f.start <= t + 0.001 && f.programDateTime != null) return f.programDateTime + 1000 * (t - f.start);
      }
      return NaN;
    }
    if (cur.live) return NaN;
    var rs = loadedRuns();
    for (i = rs.length - 1; i >= 0; i--) {
      if (rs[i].pos <= t + 0.001) return rs[i].wall + 1000 * (t - rs[i].pos);
    }
    return NaN;
  }

  function pad(n) {
    return (n < 10 ? '0' : '') + n;
  }

  // offsetAt is the server's offset from UTC (s) at wall-clock ms, from
  // the offsets through tl's day that it lists (data-zone).
  function offsetAt(tl, ms) {
    var off = null;
    tl.getAttribute('data-zone').split(',').forEach(function (z) {
      var f = z.split(' ');
      if (off === null || +f[0] <= ms) off = +f[1];
    });
    return off;
  }

  // when writes wall-clock ms as the day and time of the server's clock.
  function when(ms) {
    var tl = timelineAt(ms);
    if (!tl) return new Date(ms).toLocaleString();
    var t = new Date(ms + 1000 * offsetAt(tl, ms));
    return tl.getAttribute('data-date') + ' ' + pad(t.getUTCHours()) + ':' + pad(t.getUTCMinutes()) + ':' + pad(t.getUTCSeconds());
  }

  // localTime writes wall-clock ms as the server's clock has it, the way
  // a datetime-local field and an export take it: 2026-11-20T10:32:00.25.
  function localTime(tl, ms) {
    var t = new Date(ms + 1000 * offsetAt(tl, ms));
    var s = t.getUTCFullYear() + '-' + pad(t.getUTCMonth() + 1) + '-' + pad(t.getUTCDate()) + 'T' +
      pad(t.getUTCHours()) + ':' + pad(t.getUTCMinutes()) + ':' + pad(t.getUTCSeconds());
    var frac = t.getUTCMilliseconds();
    return frac ? s + '.' + String(1000 + frac).slice(1).replace(/0+$/, '') : s;
  }

  // wallTime reads a time of the server's clock (YYYY-MM-DDTHH:MM[:SS[.fff]])
  // near tl's day as wall-clock ms; NaN when it is none, or one the clocks
  // skipped. Of a time the clocks passed twice it takes the first; the
  // server refuses such a time, naming both.
  function wallTime(tl, s) {
    var m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d)(?:\.(\d+))?)?$/.exec(s);
    if (!m) return NaN;
    var w = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0)) + +((m[7] || '') + '000').slice(0, 3);
    var zs = tl.getAttribute('data-zone').split(',');
    for (var i = 0; i < zs.length; i++) {
      var off = +zs[i].split(' ')[1];
      if (offsetAt(tl, w - 1000 * off) === off) return w - 1000 * off;
    }
    return NaN;
  }

  function stop() {
    previewEnd = null;
    if (hls) {
      hls.destroy();
      hls = null;
    }
    cur = null;
    recovered = 0;
    ['data-player', 'data-wallclock', 'data-fatal'].forEach(function (a) {
      video.removeAttribute(a);
    });
    video.removeAttribute('src');
    video.load();
    timelines().forEach(function (tl) {
      tl.querySelector('.head').setAttribute('visibility', 'hidden');
    });
  }

  function start() {
    watch.hidden = false;
    var p = video.play();
    if (p && p.catch) p.catch(function () {}); // paused by a newer load, or autoplay refused: the controls remain
  }

  function onHlsError(ev, data) {
    if (!data.fatal) return;
    video.setAttribute('data-fatal', data.type + ': ' + data.details);
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR && recovered < 2) {
      recovered++;
      hls.recoverMediaError();
      return;
    }
    say('Cannot play this footage (' + data.details + ').');
  }

  // load plays a day's playlist (live: from that day on, at the live
  // edge), from the start or from wall-clock time at.
  function load(date, live, at) {
    stop();
    cur = { date: date, live: live };
    var src = 'playlist.m3u8?date=' + encodeURIComponent(date) + (live ? '&live=1' : '');
    if (useHls) {
      video.setAttribute('data-player', 'hls.js');
      hls = new Hls({ autoStartLoad: false });
      hls.on(Hls.Events.ERROR, onHlsError);
      var h = hls;
      hls.once(Hls.Events.LEVEL_LOADED, function (ev, data) {
        if (h !== hls) return;
        hls.startLoad(at != null ? posAt(at, data.details.fragments) : live ? -1 : 0);
      });
      hls.loadSource(src);
      hls.attachMedia(video);
    } else if (nativeHls) {
      video.setAttribute('data-player', 'native');
      video.src = src;
      if (at != null) {
        video.addEventListener('loadedmetadata', function () {
          video.currentTime = posAt(at);
        }, { once: true });
      }
    } else {
      say('This browser cannot play HLS: open the playlist link in a player such as VLC or mpv.');
      return;
    }
    say('Loading ' + date + (live ? ', live' : '') + '…');
    start();
  }

  function seek(date, at) {
    var file = fileOf(date);
    if (file) {
      var r = runAt(runs(date), at);
      playMp4(r && r.file ? r.file : file, at);
      return;
    }
    if (cur && cur.date === date && !cur.live && (!hls || fragments().length)) {
      video.currentTime = posAt(at, hls ? fragments() : null);
      start();
      return;
    }
    load(date, false, at);
  }

  // playMp4 plays an archive from its start or, where a day's timeline
  // maps it, from wall-clock time at.
  function playMp4(url, at) {
    var tl = timelines().filter(function (t) {
      return filesOf(t).indexOf(url) >= 0;
    })[0];
    if (cur && cur.mp4 === url && at != null) {
      video.currentTime = posAt(at);
      start();
      return;
    }
    stop();
    if (!hevc) {
      say('This browser does not play H.265 (HEVC) video: download the mp4 to watch it.');
      return;
    }
    cur = { mp4: url, date: tl ? tl.getAttribute('data-date') : null };
    video.setAttribute('data-player', 'mp4');
    video.src = url;
    if (at != null && cur.date) {
      video.addEventListener('loadedmetadata', function () {
        video.currentTime = posAt(at);
      }, { once: true });
    }
    say('Playing ' + url);
    start();
  }

  video.addEventListener('timeupdate', function () {
    if (!cur || (cur.mp4 && !cur.date)) return;
    var ms = wallAt(video.currentTime);
    if (isNaN(ms)) return;
    video.setAttribute('data-wallclock', String(Math.round(ms)));
    var tl = timelineAt(ms);
    timelines().forEach(function (other) {
      if (other !== tl) other.querySelector('.head').setAttribute('visibility', 'hidden');
    });
    if (tl) {
      var x = (100 * (ms - +tl.getAttribute('data-start')) / (1000 * +tl.getAttribute('data-len'))).toFixed(3) + '%';
      var head = tl.querySelector('.head');
      head.setAttribute('x1', x);
      head.setAttribute('x2', x);
      head.setAttribute('visibility', 'visible');
    }
    if (previewEnd != null && ms >= previewEnd && !video.seeking) {
      // The preview is over: pause, and back to its last frame when
      // timeupdate (4 a second) came after it.
      var end = previewEnd;
      previewEnd = null;
      video.pause();
      var p = posAt(end, hls ? fragments() : null);
      if (p < video.currentTime && Math.abs(wallAt(p) - end) < 1) video.currentTime = p;
    }
    say((video.paused ? 'Paused at ' : 'Playing ') + when(ms) + (cur.live ? ' (live)' : '') +
      (previewEnd != null ? ' (preview to ' + when(previewEnd).slice(11) + ')' : ''));
  });

  // An archive played to its end goes on with the day's next archive.
  video.addEventListener('ended', function () {
    if (!cur || !cur.mp4) return;
    var urls = Array.prototype.map.call(document.querySelectorAll('[data-mp4]'), function (b) {
      return b.getAttribute('data-mp4');
    });
    var i = urls.indexOf(cur.mp4);
    var next = i >= 0 ? urls[i + 1] : null;
    if (next && next.split('/')[0] === cur.mp4.split('/')[0]) playMp4(next);
  });

  video.addEventListener('error', function () {
    var e = video.error;
    if (e && cur) say('The video failed (' + (e.message || 'error ' + e.code) + ').');
  });

  document.addEventListener('click', function (e) {
    var el = e.target.closest && e.target.closest('[data-play], [data-mp4], svg.tl, a[data-at], form.export .preview');
    if (!el) return;
    if (el.matches('svg.tl') && dragged) {
      dragged = false; // the end of a drag, not a click
      return;
    }
    previewEnd = null;
    if (el.matches('.preview')) {
      preview(el.form);
    } else if (el.hasAttribute('data-mp4')) {
      playMp4(el.getAttribute('data-mp4'));
    } else if (el.hasAttribute('data-play')) {
      load(el.getAttribute('data-play'), el.hasAttribute('data-live'));
    } else if (el.hasAttribute('data-at')) {
      if (!canSeek(el.getAttribute('data-date'))) return; // the link shows the picture
      e.preventDefault();
      seek(el.getAttribute('data-date'), +el.getAttribute('data-at'));
    } else {
      if (!canSeek(el.getAttribute('data-date'))) return;
      seek(el.getAttribute('data-date'), timeAtX(el, e.clientX));
    }
  });

  // timeAtX is the wall-clock ms a timeline shows at clientX.
  function timeAtX(tl, x) {
    var r = tl.getBoundingClientRect();
    var frac = Math.min(Math.max((x - r.left) / r.width, 0), 1);
    return +tl.getAttribute('data-start') + frac * 1000 * +tl.getAttribute('data-len');
  }

  function exportForm(date) {
    return document.querySelector('form.export[data-date="' + date + '"]');
  }

  function field(form, name) {
    return form.querySelector('input[name="' + name + '"]');
  }

  // showRange shades wall-clock [from, to) on tl; hides it for no range.
  function showRange(tl, from, to) {
    var sel = tl.querySelector('.sel');
    if (!sel) {
      sel = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
      sel.setAttribute('class', 'sel');
      sel.setAttribute('y', '0');
      sel.setAttribute('height', '18');
      tl.insertBefore(sel, tl.querySelector('.head'));
    }
    var start = +tl.getAttribute('data-start');
    var len = 1000 * +tl.getAttribute('data-len');
    var a = Math.min(Math.max((from - start) / len, 0), 1);
    var b = Math.min(Math.max((to - start) / len, 0), 1);
    if (!(b > a)) {
      sel.setAttribute('visibility', 'hidden');
      return;
    }
    sel.setAttribute('x', (100 * a).toFixed(3) + '%');
    sel.setAttribute('width', Math.max(100 * (b - a), 0.1).toFixed(3) + '%');
    sel.setAttribute('visibility', 'visible');
  }

  // A drag along a timeline that has an export form picks a range, to
  // the second (a pixel is a minute or two of the day). A press that
  // moves less than a few pixels stays a click, which seeks.
  var drag = null; // {tl, form, id, x, at, moved}
  var dragged = false; // a drag just ended: the click it makes is not a seek

  document.addEventListener('pointerdown', function (e) {
    dragged = false;
    var tl = e.target.closest && e.target.closest('svg.tl');
    if (!tl || !e.isPrimary || e.button !== 0) return;
    var form = exportForm(tl.getAttribute('data-date'));
    if (!form) return;
    drag = { tl: tl, form: form, id: e.pointerId, x: e.clientX, at: timeAtX(tl, e.clientX), moved: false };
    if (tl.setPointerCapture) tl.setPointerCapture(e.pointerId);
  });

  document.addEventListener('pointermove', function (e) {
    if (!drag || e.pointerId !== drag.id) return;
    if (!drag.moved && Math.abs(e.clientX - drag.x) < 4) return;
    drag.moved = true;
    var to = timeAtX(drag.tl, e.clientX);
    var a = 1000 * Math.round(Math.min(drag.at, to) / 1000);
    var b = 1000 * Math.round(Math.max(drag.at, to) / 1000);
    field(drag.form, 'start').value = localTime(drag.tl, a);
    field(drag.form, 'end').value = localTime(drag.tl, b);
    showRange(drag.tl, a, b);
  });

  function endDrag(e) {
    if (!drag || e.pointerId !== drag.id) return;
    dragged = drag.moved && e.type === 'pointerup';
    drag = null;
  }
  document.addEventListener('pointerup', endDrag);
  document.addEventListener('pointercancel', endDrag);

  // Typed times shade the range too.
  document.addEventListener('input', function (e) {
    var form = e.target.form;
    if (!form || !form.matches('form.export')) return;
    var tl = timelineOf(form.getAttribute('data-date'));
    if (tl) showRange(tl, wallTime(tl, field(form, 'start').value), wallTime(tl, field(form, 'end').value));
  });

  // preview plays a form's range from its start and pauses at its end.
  function preview(form) {
    var date = form.getAttribute('data-date');
    var tl = timelineOf(date);
    var from = tl ? wallTime(tl, field(form, 'start').value) : NaN;
    var to = tl ? wallTime(tl, field(form, 'end').value) : NaN;
    watch.hidden = false;
    if (!(to > from)) {
      say('The range to preview needs a from time before its to time, of the server\'s clock.');
      return;
    }
    showRange(tl, from, to);
    if (!runs(date).some(function (r) { return r.wall < to && r.wall + 1000 * r.len > from; })) {
      say('No footage between ' + when(from) + ' and ' + when(to) + '.');
      return;
    }
    seek(date, from);
    previewEnd = to;
  }

  // Offer what this browser can play; say what it cannot.
  document.querySelectorAll('[data-play]').forEach(function (b) {
    b.hidden = !(useHls || nativeHls);
  });
  document.querySelectorAll('[data-mp4]').forEach(function (b) {
    b.hidden = !hevc;
  });
  document.querySelectorAll('.hevc').forEach(function (n) {
    n.hidden = hevc;
  });
  document.querySelectorAll('form.export .preview').forEach(function (b) {
    b.hidden = !canSeek(b.form.getAttribute('data-date'));
  });
})();
