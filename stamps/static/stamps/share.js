// The share page. The server prepares everything (the JSON block #share-data); this file only
// lays it out and plays it:
// - voice tags (markers on the image and the waveform, the list) seek the recording;
// - the saved drawings appear on the image when the recording reaches their time;
// - the waveform shows the recording and where the player is, and seeks when pressed;
// - the transcript follows the player;
// - a signed media link that has expired (a long recording, a page left open) is swapped for a
//   fresh one from the page's media endpoint, keeping the position; if that fails, the page says so.
// No inline scripts or styles: data-dependent positions are set on element.style from here.
(function () {
  "use strict";

  var dataNode = document.getElementById("share-data");
  var data = dataNode ? JSON.parse(dataNode.textContent) : {};
  var player = document.getElementById("player");
  var stage = document.querySelector(".stage");
  var image = document.getElementById("stage-image");
  var drawingCanvas = document.getElementById("drawings");
  var waveform = document.getElementById("waveform");
  var waveCanvas = document.getElementById("waveform-canvas");
  var errorBox = document.getElementById("player-error");
  var drawings = data.drawings || [];
  var peaks = data.peaks || [];
  var markers = (data.markers || []).slice().sort(function (a, b) { return a.time - b.time; });

  document.querySelectorAll(".marker[data-left]").forEach(function (marker) {
    marker.style.left = marker.getAttribute("data-left") + "%";
    marker.style.top = marker.getAttribute("data-top") + "%";
    marker.hidden = false;
  });
  document.querySelectorAll(".wave-marker[data-along]").forEach(function (marker) {
    marker.style.left = marker.getAttribute("data-along") + "%";
    marker.hidden = false;
  });
  if (stage && !image && drawings.length) {
    stage.style.aspectRatio = String(drawings[0].aspect);  // a board without an image: the drawing's frame
  }

  function now() {
    return player ? player.currentTime : Infinity;  // without a recording every drawing is shown
  }

  function duration() {
    if (player && isFinite(player.duration) && player.duration > 0) { return player.duration; }
    return data.duration || 0;
  }

  // --- canvases sized to their box, in device pixels ----------------------------------------
  function fit(canvas) {
    var ratio = window.devicePixelRatio || 1;
    var width = Math.max(1, Math.round(canvas.clientWidth * ratio));
    var height = Math.max(1, Math.round(canvas.clientHeight * ratio));
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
      return true;
    }
    return false;
  }

  // --- drawings, in time with the recording --------------------------------------------------
  var drawnCount = -1;

  function drawStroke(context, stroke, width, height) {
    context.globalCompositeOperation = stroke.tool === "eraser" ? "destination-out" : "source-over";
    context.globalAlpha = stroke.tool === "highlighter" ? 0.4 : 1;
    context.strokeStyle = stroke.color;
    context.fillStyle = stroke.color;
    context.lineWidth = Math.max(1, stroke.width * width);
    context.lineCap = "round";
    context.lineJoin = "round";
    var points = stroke.points;
    if (points.length === 1) {
      context.beginPath();
      context.arc(points[0][0] * width, points[0][1] * height, context.lineWidth / 2, 0, 2 * Math.PI);
      context.fill();
      return;
    }
    context.beginPath();
    context.moveTo(points[0][0] * width, points[0][1] * height);
    for (var i = 1; i < points.length; i += 1) { context.lineTo(points[i][0] * width, points[i][1] * height); }
    context.stroke();
  }

  function renderDrawings(force) {
    if (!drawingCanvas) { return; }
    var time = now();
    var count = 0;
    while (count < drawings.length && drawings[count].time <= time + 0.01) { count += 1; }
    var resized = fit(drawingCanvas);
    if (count === drawnCount && !resized && !force) { return; }
    drawnCount = count;
    var context = drawingCanvas.getContext("2d");
    context.clearRect(0, 0, drawingCanvas.width, drawingCanvas.height);
    for (var d = 0; d < count; d += 1) {
      drawings[d].strokes.forEach(function (stroke) {
        drawStroke(context, stroke, drawingCanvas.width, drawingCanvas.height);
      });
    }
    drawingCanvas.setAttribute("data-shown", String(count));
  }

  // --- the waveform --------------------------------------------------------------------------
  var drawnPlayhead = -1;

  function renderWaveform(force) {
    if (!waveCanvas) { return; }
    var resized = fit(waveCanvas);
    var width = waveCanvas.width;
    var height = waveCanvas.height;
    var total = duration();
    var playhead = total ? Math.round(Math.min(now() / total, 1) * width) : 0;
    if (playhead === drawnPlayhead && !resized && !force) { return; }
    drawnPlayhead = playhead;
    var context = waveCanvas.getContext("2d");
    var ratio = window.devicePixelRatio || 1;
    var bar = 2 * ratio;
    var gap = 1 * ratio;
    var bars = Math.max(1, Math.floor(width / (bar + gap)));
    var middle = height / 2;
    context.clearRect(0, 0, width, height);
    for (var i = 0; i < bars; i += 1) {
      var level = 0;
      if (peaks.length) {
        var from = Math.floor(i * peaks.length / bars);
        var to = Math.max(from + 1, Math.floor((i + 1) * peaks.length / bars));
        for (var p = from; p < to && p < peaks.length; p += 1) { level = Math.max(level, peaks[p]); }
      }
      // A gentle curve so quiet passages stay visible next to loud ones.
      var half = Math.max(ratio, Math.pow(level, 0.7) * (middle - ratio));
      var x = i * (bar + gap);
      context.fillStyle = x < playhead ? "#3451b2" : "#c5cbe0";
      context.fillRect(x, middle - half, bar, half * 2);
    }
    if (total) {
      context.fillStyle = "#d0342c";
      context.fillRect(Math.min(playhead, width - ratio * 2), 0, ratio * 2, height);
    }
  }

  // --- what is playing now: the tag just passed, the transcript segment ----------------------
  var seekables = Array.prototype.slice.call(document.querySelectorAll("[data-seek]"));
  var segments = Array.prototype.slice.call(document.querySelectorAll(".segment[data-end]"));

  function renderCurrent() {
    var time = now();
    var current = null;
    if (player && (!player.paused || time > 0)) {
      markers.forEach(function (marker) { if (marker.time <= time + 0.05) { current = marker.time.toFixed(3); } });
    }
    seekables.forEach(function (element) {
      if (!element.classList.contains("segment")) {
        element.classList.toggle("playing", element.getAttribute("data-seek") === current);
      }
    });
    segments.forEach(function (segment) {
      var start = parseFloat(segment.getAttribute("data-seek"));
      var end = parseFloat(segment.getAttribute("data-end"));
      segment.classList.toggle("current", time >= start && time < end && time > 0);
    });
  }

  function render(force) {
    renderDrawings(force);
    renderWaveform(force);
    renderCurrent();
  }

  render(true);
  if (window.ResizeObserver) {
    var observer = new ResizeObserver(function () { render(true); });
    [drawingCanvas, waveCanvas].forEach(function (canvas) { if (canvas) { observer.observe(canvas); } });
  } else {
    window.addEventListener("resize", function () { render(true); });
  }
  if (image && !image.complete) { image.addEventListener("load", function () { render(true); }); }

  if (!player) { return; }

  // --- seeking -------------------------------------------------------------------------------
  function whenReady(action) {
    // Before metadata is loaded the browser cannot seek yet; do it as soon as it can.
    if (player.readyState >= 1) { action(); } else { player.addEventListener("loadedmetadata", action, { once: true }); }
  }

  function play() {
    var playing = player.play();
    if (playing && playing.catch) { playing.catch(function () { /* autoplay refused: the position is set */ }); }
  }

  function seek(seconds, andPlay) {
    whenReady(function () {
      player.currentTime = seconds;
      if (andPlay) { play(); }
      render(false);
    });
  }

  seekables.forEach(function (element) {
    element.addEventListener("click", function () { seek(parseFloat(element.getAttribute("data-seek")), true); });
  });

  if (waveform) {
    waveform.addEventListener("pointerdown", function (event) {
      if (event.target.closest(".wave-marker")) { return; }
      var box = waveform.getBoundingClientRect();
      var total = duration();
      if (!total || !box.width) { return; }
      seek(Math.min(Math.max((event.clientX - box.left) / box.width, 0), 1) * total, false);
    });
  }

  // Redraw with the player: every frame while playing, and on each jump.
  var frame = null;
  function tick() {
    render(false);
    frame = player.paused ? null : window.requestAnimationFrame(tick);
  }
  player.addEventListener("play", function () { if (frame === null) { frame = window.requestAnimationFrame(tick); } });
  ["timeupdate", "seeked", "seeking", "loadedmetadata", "pause", "ended"].forEach(function (name) {
    player.addEventListener(name, function () { render(name === "loadedmetadata"); });
  });

  // --- expired media links ---------------------------------------------------------------------
  var lastTime = 0;
  var failuresInARow = 0;
  // Whether the listener means the recording to play: a failed fetch pauses the player, the
  // listener did not.
  var wantsToPlay = false;
  player.addEventListener("play", function () { wantsToPlay = true; });
  player.addEventListener("pause", function () { if (!player.error) { wantsToPlay = false; } });
  player.addEventListener("ended", function () { wantsToPlay = false; });
  player.addEventListener("timeupdate", function () { lastTime = player.currentTime; });
  player.addEventListener("seeking", function () { lastTime = player.currentTime; });
  player.addEventListener("canplay", function () { failuresInARow = 0; });

  function showError(message) {
    if (!errorBox) { return; }
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  function freshMedia() {
    return fetch(data.media_url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) { throw new Error(body.message || "The share is no longer available."); }
          return body;
        });
      });
  }

  player.addEventListener("error", function () {
    var resumeAt = player.currentTime || lastTime;
    failuresInARow += 1;
    if (!data.media_url || failuresInARow > 2) {
      showError("The recording could not be played. Reload the page to try again.");
      return;
    }
    freshMedia().then(function (media) {
      if (!media.audio) { throw new Error("The recording is no longer available."); }
      player.addEventListener("loadedmetadata", function () {
        player.currentTime = resumeAt;
        if (wantsToPlay) { play(); }
      }, { once: true });
      player.src = media.audio.url;
      player.setAttribute("data-refreshed", String(Number(player.getAttribute("data-refreshed") || 0) + 1));
      if (errorBox) { errorBox.hidden = true; }
    }).catch(function (error) {
      showError("The recording could not be loaded (" + error.message + "). Reload the page to try again.");
    });
  });

  if (image) {
    image.addEventListener("error", function () {
      if (image.getAttribute("data-refreshed")) { return; }
      image.setAttribute("data-refreshed", "1");
      freshMedia().then(function (media) { if (media.image) { image.src = media.image.url; } }).catch(function () {});
    }, { once: true });
  }
})();
