// The share page: a voice tag (marker on the image or entry in the list) seeks the recording to its time.
(function () {
  "use strict";
  var player = document.getElementById("player");
  if (!player) { return; }

  function seek(seconds) {
    var apply = function () {
      player.currentTime = seconds;
      var playing = player.play();
      if (playing && playing.catch) { playing.catch(function () { /* autoplay refused: the position is set */ }); }
    };
    // Before metadata is loaded the browser cannot seek yet; do it as soon as it can.
    if (player.readyState >= 1) { apply(); } else { player.addEventListener("loadedmetadata", apply, { once: true }); player.load(); }
  }

  document.querySelectorAll("[data-seek]").forEach(function (button) {
    button.addEventListener("click", function () {
      document.querySelectorAll(".marker.playing").forEach(function (m) { m.classList.remove("playing"); });
      if (button.classList.contains("marker")) { button.classList.add("playing"); }
      seek(parseFloat(button.getAttribute("data-seek")));
    });
  });
})();
