// The demo player: play/pause, seek, timer and volume over one <audio> element.
// Audio is streamed from storage by the app with Range support, so seeking is cheap.
(function () {
  "use strict";

  function clock(seconds) {
    if (!isFinite(seconds) || seconds < 0) { seconds = 0; }
    var whole = Math.floor(seconds);
    var rest = whole % 60;
    return Math.floor(whole / 60) + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function setUp(player) {
    var audio = player.querySelector("audio");
    var toggle = player.querySelector(".player-toggle");
    var seek = player.querySelector(".player-seek");
    var current = player.querySelector(".player-current");
    var duration = player.querySelector(".player-duration");
    var volume = player.querySelector(".player-volume");

    function render() {
      var total = audio.duration;
      if (seek && isFinite(total) && total > 0) { seek.value = Math.round(audio.currentTime / total * 1000); }
      if (current) { current.textContent = clock(audio.currentTime); }
      if (duration) { duration.textContent = clock(total); }
      toggle.innerHTML = audio.paused ? "&#9654;" : "&#10074;&#10074;";
      toggle.setAttribute("aria-label", audio.paused ? "Play" : "Pause");
      player.dataset.state = audio.paused ? "paused" : "playing";
    }

    toggle.addEventListener("click", function () {
      if (audio.paused) { audio.play(); } else { audio.pause(); }
    });
    if (seek) {
      seek.addEventListener("input", function () {
        if (isFinite(audio.duration)) { audio.currentTime = seek.value / 1000 * audio.duration; }
      });
    }
    if (volume) {
      volume.addEventListener("input", function () { audio.volume = volume.value / 100; });
    }
    ["loadedmetadata", "timeupdate", "play", "pause", "ended"].forEach(function (name) {
      audio.addEventListener(name, render);
    });
    function markReady() { player.dataset.ready = "true"; render(); }
    audio.addEventListener("loadedmetadata", markReady);
    // The metadata may have arrived before this script ran (cache, fast server): no event then.
    if (audio.readyState >= 1) { markReady(); } else { render(); }
  }

  Array.prototype.forEach.call(document.querySelectorAll(".player"), setUp);
})();
