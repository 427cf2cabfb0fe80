// The public request page: the town list narrows the village list, and a map drawn from the
// county's own boundaries (county intranets have no tile server): the towns with their
// names, and once a town is chosen its villages with theirs; once a village is chosen the
// map zooms to it. A tap on the map sets the point; when the point lies in another village
// than the chosen one, the page suggests that village and the resident decides: the map
// never changes the chosen town or village by itself. Kept out of the markup: the CSP
// forbids inline scripts.
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

  // Whether a point [lng, lat] lies in a GeoJSON Polygon or MultiPolygon (ray casting).
  function inRing(point, ring) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if ((yi > point[1]) !== (yj > point[1]) &&
          point[0] < ((xj - xi) * (point[1] - yi)) / (yj - yi) + xi) {
        inside = !inside;
      }
    }
    return inside;
  }

  function inPolygon(point, rings) {
    if (!rings.length || !inRing(point, rings[0])) {
      return false;
    }
    for (var k = 1; k < rings.length; k++) {
      if (inRing(point, rings[k])) {
        return false; // in a hole
      }
    }
    return true;
  }

  function contains(geometry, point) {
    if (!geometry) {
      return false;
    }
    if (geometry.type === "Polygon") {
      return inPolygon(point, geometry.coordinates);
    }
    if (geometry.type === "MultiPolygon") {
      return geometry.coordinates.some(function (rings) { return inPolygon(point, rings); });
    }
    return false;
  }

  function label(text) {
    // Leaflet renders a string tooltip as HTML: the names go in as text.
    var span = document.createElement("span");
    span.textContent = text;
    return span;
  }

  function drawMap(node, town, village) {
    var source = node.getAttribute("data-src");
    var lat = byId("id_lat");
    var lng = byId("id_lng");
    var hint = byId("public-map-hint");
    var hintText = byId("public-map-hint-text");
    var hintChoose = byId("public-map-choose");
    var map = null;
    var marker = null;
    var towns = null; // the towns' layer, drawn once
    var villages = null; // the chosen town's villages' layer
    var villageFeatures = {}; // by town code: the GeoJSON features of its villages
    var suggested = null; // the village a tap suggested: {code, name, town}
    var drawing = 0; // the latest showTown: an earlier one that answers late draws nothing

    function load(url) {
      return fetch(url, { credentials: "same-origin" }).then(function (response) {
        return response.ok ? response.json() : { features: [] };
      });
    }

    function villagesOf(code) {
      if (villageFeatures[code]) {
        return Promise.resolve(villageFeatures[code]);
      }
      return load(source + "?town=" + encodeURIComponent(code)).then(function (collection) {
        villageFeatures[code] = collection.features || [];
        return villageFeatures[code];
      });
    }

    function hideHint() {
      suggested = null;
      hint.hidden = true;
    }

    // The chosen village's shape when its town's villages are loaded, else the town's.
    function chosenLayer() {
      var found = null;
      [villages, towns].forEach(function (group) {
        if (found || !group) {
          return;
        }
        group.eachLayer(function (layer) {
          var code = layer.feature.properties.code;
          if (!found && code && code === (group === villages ? village.value : town.value)) {
            found = layer;
          }
        });
      });
      return found;
    }

    function fit() {
      var layer = chosenLayer();
      var bounds = layer ? layer.getBounds() : towns && towns.getBounds();
      if (bounds && bounds.isValid()) {
        map.fitBounds(bounds, { padding: [8, 8] });
      }
    }

    function restyle() {
      if (!villages) {
        return;
      }
      villages.eachLayer(function (layer) {
        var chosen = layer.feature.properties.code === village.value;
        layer.setStyle(chosen
          ? { color: "#0d6efd", weight: 3, fillOpacity: 0.15 }
          : { color: "#198754", weight: 1, fillOpacity: 0.03 });
      });
    }

    // Draws the chosen town's villages (and no other town's), then zooms to the choice.
    function showTown() {
      var turn = ++drawing;
      if (villages) {
        map.removeLayer(villages);
        villages = null;
      }
      if (!town.value) {
        fit();
        return Promise.resolve();
      }
      var code = town.value;
      return villagesOf(code).then(function (features) {
        if (turn !== drawing || code !== town.value) {
          return; // chosen again meanwhile: the later call draws
        }
        if (villages) {
          map.removeLayer(villages);
        }
        villages = L.geoJSON({ type: "FeatureCollection", features: features }, {
          onEachFeature: function (feature, shape) {
            shape.bindTooltip(label(feature.properties.name), {
              permanent: true, direction: "center", className: "public-map-label", opacity: 0.8,
            });
          },
        }).addTo(map);
        restyle();
        fit();
      });
    }

    function setPoint(latlng) {
      lat.value = latlng.lat.toFixed(6);
      lng.value = latlng.lng.toFixed(6);
      if (marker) {
        marker.setLatLng(latlng);
      } else {
        marker = L.circleMarker(latlng, { radius: 8, color: "#dc3545", fillOpacity: 0.6 }).addTo(map);
      }
    }

    // Where a tapped point lies: the village (in the chosen town first, then any town's,
    // once that town's villages are loaded), or null.
    function placeOf(point) {
      var townFeature = null;
      towns.eachLayer(function (layer) {
        if (!townFeature && contains(layer.feature.geometry, point)) {
          townFeature = layer.feature;
        }
      });
      var code = townFeature ? townFeature.properties.code : town.value;
      if (!code) {
        return Promise.resolve(null);
      }
      return villagesOf(code).then(function (features) {
        for (var i = 0; i < features.length; i++) {
          if (contains(features[i].geometry, point)) {
            return features[i].properties;
          }
        }
        return null;
      });
    }

    // A tap sets the point; if it lies in a village other than the chosen one, the page
    // asks: the choice is the resident's.
    function tapped(event) {
      setPoint(event.latlng);
      hideHint();
      placeOf([event.latlng.lng, event.latlng.lat]).then(function (place) {
        if (!place || place.code === village.value) {
          return;
        }
        suggested = place;
        hintText.textContent = hint.getAttribute(village.value ? "data-other" : "data-none")
          .replace("{place}", place.town + " " + place.name);
        hint.hidden = false;
      });
    }

    load(source).then(function (collection) {
      if (!collection.features || !collection.features.length) {
        return; // no boundaries known: the lists are enough
      }
      byId("public-map-block").hidden = false;
      // Sized here, not in the markup: the CSP forbids style attributes in HTML. (Not the
      // .area-map class either: yiwang.js draws every .area-map as an area's own map.)
      node.style.height = "320px";
      map = L.map(node, { attributionControl: false, zoomSnap: 0.25 });
      towns = L.geoJSON(collection, {
        style: { color: "#6c757d", weight: 1.5, fillColor: "#f8f9fa", fillOpacity: 0.6 },
        onEachFeature: function (feature, shape) {
          shape.bindTooltip(label(feature.properties.name), {
            permanent: true, direction: "center", className: "public-map-label", opacity: 0.9,
          });
        },
      }).addTo(map);
      map.on("click", tapped);
      showTown().then(function () {
        if (lat.value && lng.value) {
          setPoint(L.latLng(parseFloat(lat.value), parseFloat(lng.value)));
        }
      });
      town.addEventListener("change", function () { hideHint(); showTown(); });
      village.addEventListener("change", function () {
        hideHint();
        if (villages && village.value.slice(0, 9) === town.value) {
          restyle();
          fit();
        } else {
          showTown();
        }
      });
      hintChoose.addEventListener("click", function () {
        if (!suggested) {
          return;
        }
        town.value = suggested.code.slice(0, 9);
        narrowVillages(town, village);
        village.value = suggested.code;
        hideHint();
        village.dispatchEvent(new Event("change"));
      });
      byId("public-map-clear").addEventListener("click", function () {
        lat.value = "";
        lng.value = "";
        hideHint();
        if (marker) {
          map.removeLayer(marker);
          marker = null;
        }
      });
    }).catch(function () { /* the map is a help, not a need */ });
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
