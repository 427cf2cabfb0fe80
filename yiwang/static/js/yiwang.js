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

  // The area map: the area's boundary and its children's, drawn with Leaflet from the
  // page's own GeoJSON; clicking a child opens its page.
  function drawMaps(root) {
    if (typeof L === "undefined") {
      return;
    }
    var nodes = (root || document).querySelectorAll(".area-map:not([data-drawn])");
    nodes.forEach(function (node) {
      node.setAttribute("data-drawn", "1");
      fetch(node.getAttribute("data-src"), { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (collection) {
          var map = L.map(node, { attributionControl: false, zoomSnap: 0.25 });
          function part(role) {
            return collection.features.filter(function (f) { return f.properties.role === role; });
          }
          // The area's own outline only frames the map; its children are the links.
          var outline = L.geoJSON(part("self"), {
            interactive: false,
            style: { color: "#0d6efd", weight: 3, fill: false },
          }).addTo(map);
          var children = L.geoJSON(part("child"), {
            style: { color: "#198754", weight: 1, fillOpacity: 0.15 },
            onEachFeature: function (feature, shape) {
              // Leaflet renders a string tooltip as HTML: an area name goes in as text.
              var label = document.createElement("span");
              label.textContent = feature.properties.name;
              shape.bindTooltip(label);
              shape.on("click", function () {
                window.location.href = feature.properties.url;
              });
            },
          }).addTo(map);
          var bounds = outline.getLayers().length ? outline.getBounds() : children.getBounds();
          if (bounds.isValid()) {
            map.fitBounds(bounds, { padding: [8, 8] });
          }
        });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { drawMaps(document); });
  document.addEventListener("htmx:afterSettle", function (event) { drawMaps(event.target); });
})();

// A form marked data-confirm="<question>" asks before it is sent (a write that cannot be
// taken back: an announcement sent to many people).
document.addEventListener(
  "submit",
  function (event) {
    var form = event.target;
    if (form.matches && form.matches("form[data-confirm]") && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  },
  true,
);
