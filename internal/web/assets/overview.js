// overview.js plays cctvd's cameras live on the overview page: a tile's
// ▶ live swaps its picture for a player of that camera's live playlist,
// "watch all live" starts every tile's at once, each with its own hls.js
// (the browser's own HLS only where hls.js is unsupported). No framework,
// no build step; without it the page is a list of links.
//
// State for people and tests is kept on each tile's <video>: data-player
// (hls.js or native), data-frag (the URL of the fragment playing) and
// data-wallclock (its position, Unix ms), both with hls.js only, and
// data-fatal (the last fatal hls.js error, if any).
(function () {
  'use strict';

  var Hls = window.Hls;
  var useHls = !!(Hls && Hls.isSupported());
  var nativeHls = document.createElement('video').canPlayType('application/vnd.apple.mpegurl') !== '';
  if (!useHls && !nativeHls) return; // the live playlist links remain

  var all = document.getElementById('all');
  var tiles = Array.prototype.slice.call(document.querySelectorAll('.cam')).filter(function (t) {
    return t.querySelector('button[data-live]') && t.querySelector('video');
  });

  function parts(tile) {
    return {
      video: tile.querySelector('video'),
      button: tile.querySelector('button[data-live]'),
      pic: tile.querySelector('.pic'),
      status: tile.querySelector('.status'),
    };
  }

  function playing(tile) {
    return parts(tile).video.hasAttribute('data-player');
  }

  function stop(tile) {
    var p = parts(tile);
    if (tile.hls) {
      tile.hls.destroy();
      tile.hls = null;
    }
    ['data-player', 'data-frag', 'data-wallclock', 'data-fatal'].forEach(function (a) {
      p.video.removeAttribute(a);
    });
    p.video.removeAttribute('src');
    p.video.load();
    p.video.hidden = true;
    p.pic.hidden = false;
    p.button.textContent = '▶ live';
    p.status.textContent = '';
  }

  function play(tile) {
    if (playing(tile)) return;
    var p = parts(tile);
    var src = p.button.getAttribute('data-live');
    if (useHls) {
      p.video.setAttribute('data-player', 'hls.js');
      var hls = new Hls();
      var recovered = 0;
      hls.on(Hls.Events.ERROR, function (ev, data) {
        if (!data.fatal) return;
        p.video.setAttribute('data-fatal', data.type + ': ' + data.details);
        if (data.type === Hls.ErrorTypes.MEDIA_ERROR && recovered < 2) {
          recovered++;
          hls.recoverMediaError();
          return;
        }
        p.status.textContent = 'Cannot play live (' + data.details + ').';
      });
      hls.on(Hls.Events.FRAG_CHANGED, function (ev, data) {
        p.video.setAttribute('data-frag', data.frag.url);
      });
      tile.hls = hls;
      hls.loadSource(src);
      hls.attachMedia(p.video);
    } else {
      p.video.setAttribute('data-player', 'native');
      p.video.src = src;
    }
    p.pic.hidden = true;
    p.video.hidden = false;
    p.button.textContent = '■ stop';
    p.status.textContent = 'Loading live…';
    var started = p.video.play();
    if (started && started.catch) started.catch(function () {}); // autoplay refused: the controls remain
  }

  tiles.forEach(function (tile) {
    var p = parts(tile);
    p.video.controls = true;
    p.video.addEventListener('timeupdate', function () {
      var d = tile.hls && tile.hls.playingDate;
      if (d) p.video.setAttribute('data-wallclock', String(d.getTime()));
      if (!p.video.paused) p.status.textContent = 'Playing live';
    });
    p.button.addEventListener('click', function () {
      if (playing(tile)) stop(tile);
      else play(tile);
    });
    p.button.hidden = false;
  });

  if (all && tiles.length) {
    all.addEventListener('click', function () {
      if (tiles.every(playing)) {
        tiles.forEach(stop);
        all.textContent = '▶ watch all live';
      } else {
        tiles.forEach(play);
        all.textContent = '■ stop all';
      }
    });
    all.hidden = false;
  }
})();
