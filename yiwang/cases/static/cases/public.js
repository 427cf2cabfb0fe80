// The public request page: the town list narrows the village list, and a map of the
// villages (boundaries only: county intranets have no tile server) sets the point, and the
// village, where the resident clicks. Kept out of the markup: the CSP forbids inline scripts.
(function () {
  "use strict";

  function byId(id) {
    return document.getElementById(id);
  }

  // A village's code starts with its town's code (9 digits).
  function narrowVillages(town, village) {
    var code = town.value;
    Array.prototype.forEach.call(village.querySelectorAll("optgroup"), function (group) {
      var options = group.querySelectorAll("option");
      var shown = false;
      Array.prototype.forEach.call(options, function (option) {
        var match = !code || option.value.indexOf(code) === 0;
        option.hidden = !match;
        option.disabled = !match;
        shown = shown || match;
      });
      group.hidden = !shown;
    });
    if (code && village.value && village.value.indexOf(code) !== 0) {
      village.value = "";
    }
  }

  function chooseVillage(town, village, code) {
    if (!code) {
      return;
    }
    town.value = code.slice(0, 9);
    narrowVillages(town, village);
    village.value = code;
  }

  function drawMap(node, town, village) {
    var lat = byId("id_lat");
    var lng = byId("id_lng");
    var marker = null;

    function place(latlng, map) {
      lat.value = latlng.lat.toFixed(6);
      lng.value = latlng.lng.toFixed(6);
      if (marker) {
        marker.setLatLng(latlng);
      } else {
        marker = L.circleMarker(latlng, { radius: 8, color: "#dc3545", fillOpacity: 0.6 }).addTo(map);
      }
    }

    fetch(node.getAttribute("data-src"), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (collection) {
        if (!collection.features || !collection.features.length) {
          return; // no boundaries known: the village list is enough
        }
        byId("public-map-block").hidden = false;
        // Sized here, not in the markup: the CSP forbids style attributes in HTML. (Not the
        // .area-map class either: yiwang.js draws every .area-map as an area's own map.)
        node.style.height = "320px";
        var map = L.map(node, { attributionControl: false, zoomSnap: 0.25 });
        var villages = L.geoJSON(collection, {
          style: { color: "#198754", weight: 1, fillOpacity: 0.1 },
          onEachFeature: function (feature, shape) {
            // Leaflet renders a string tooltip as HTML: the names go in as text.
            var label = document.createElement("span");
            label.textContent = feature.properties.town + " " + feature.properties.name;
            shape.bindTooltip(label);
            shape.on("click", function (event) {
              L.DomEvent.stopPropagation(event);
              place(event.latlng, map);
              chooseVillage(town, village, feature.properties.code);
            });
          },
        }).addTo(map);
        map.on("click", function (event) { place(event.latlng, map); });
        var bounds = villages.getBounds();
        if (bounds.isValid()) {
          map.fitBounds(bounds, { padding: [8, 8] });
        }
        if (lat.value && lng.value) {
          place(L.latLng(parseFloat(lat.value), parseFloat(lng.value)), map);
        }
        byId("public-map-clear").addEventListener("click", function () {
          lat.value = "";
          lng.value = "";
          if (marker) {
            map.removeLayer(marker);
            marker = null;
          }
        });
      })
      .catch(function () { /* the map is a help, not a need */ });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var town = byId("id_town");
    var village = byId("id_village");
    if (!town || !village) {
      return;
    }
    town.addEventListener("change", function () { narrowVillages(town, village); });
    village.addEventListener("change", function () {
      if (village.value) {
        town.value = village.value.slice(0, 9);
        narrowVillages(town, village);
      }
    });
    if (!town.value && village.value) {
      town.value = village.value.slice(0, 9);
    }
    narrowVillages(town, village);
    var node = byId("public-map");
    if (node && typeof L !== "undefined") {
      drawMap(node, town, village);
    }
  });
})();
