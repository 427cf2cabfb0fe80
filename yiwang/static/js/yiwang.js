// Yiwang pages: behaviour kept out of the markup, since the CSP forbids inline scripts.
(function () {
  "use strict";

  // After an htmx drill-down, move the keyboard focus to the new heading so that screen
  // readers announce the area that was opened.
  document.addEventListener("htmx:afterSettle", function (event) {
    var heading = event.target.querySelector && event.target.querySelector("h1");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  });
})();
