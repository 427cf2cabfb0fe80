// The incident page's clocks counting down: each [data-countdown] holds the seconds left
// when the page was made (negative: overdue); shown as hours and minutes, every 20 s.
(function () {
  "use strict";
  function show(element, started) {
    var left = Number(element.dataset.countdown) - Math.round((Date.now() - started) / 1000);
    var over = left < 0;
    var seconds = Math.abs(left);
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var text = (hours ? hours + " " + element.dataset.hoursLabel + " " : "") + minutes + " " + element.dataset.minutesLabel;
    element.textContent = over
      ? element.dataset.overdueLabel + " " + text
      : text + " " + element.dataset.leftLabel;
    element.classList.toggle("text-danger", over);
  }
  function start() {
    var started = Date.now();
    var clocks = document.querySelectorAll("[data-countdown]");
    function tick() {
      clocks.forEach(function (element) { show(element, started); });
    }
    tick();
    if (clocks.length) { window.setInterval(tick, 20000); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
