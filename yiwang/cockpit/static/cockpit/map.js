// The thematic maps: an area's children drawn from the map API with Leaflet, coloured by
// an indicator in classes the viewer chooses (quantiles or fixed breaks), with a legend,
// the areas' names as labels and the open cases as points. No tiles unless the county
// set some (and then only while they answer). Configured by the data- attributes of each
// [data-thematic-map] element; no inline script, no HTML from the data: an area's name
// goes onto the page as text.
(function () {
  "use strict";
  if (window.yiwangThematicMaps) {
    return;
  }
  window.yiwangThematicMaps = true;

  // Light to dark: the classes take evenly spaced colours of it.
  var PALETTE = ["#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b"];
  var NO_DATA = "#d9d9d9";
  var MAX_BREAKS = 8;

  function colours(count) {
    if (count <= 1) {
      return [PALETTE[4]];
    }
    var out = [];
    for (var i = 0; i < count; i++) {
      out.push(PALETTE[Math.round(1 + (i * (PALETTE.length - 2)) / (count - 1))]);
    }
    return out;
  }

  function formatValue(value, kind) {
    if (value === null || value === undefined) {
      return null;
    }
    var rounded = Math.round(value * 10) / 10;
    return kind === "ratio" ? rounded + "%" : String(rounded);
  }

  // Breaks as the viewer typed them: ascending numbers; an Error with the message otherwise.
  function parseBreaks(text, node) {
    var parts = (text || "").split(/[,，、\s]+/).filter(function (p) { return p !== ""; });
    if (!parts.length) {
      throw new Error(node.getAttribute("data-text-breaks-format"));
    }
    var numbers = parts.map(function (p) { return Number(p); });
    if (numbers.some(function (n) { return !isFinite(n); })) {
      throw new Error(node.getAttribute("data-text-breaks-format"));
    }
    if (numbers.length > MAX_BREAKS) {
      throw new Error(node.getAttribute("data-text-breaks-count"));
    }
    for (var i = 1; i < numbers.length; i++) {
      if (numbers[i] <= numbers[i - 1]) {
        throw new Error(node.getAttribute("data-text-breaks-order"));
      }
    }
    return numbers;
  }

  // The inner breaks of `count` quantile classes of the values (repeated ones merged).
  function quantileBreaks(values, count) {
    var sorted = values.slice().sort(function (a, b) { return a - b; });
    var breaks = [];
    for (var i = 1; i < count; i++) {
      var at = sorted[Math.floor((i * sorted.length) / count)];
      if (at > sorted[0] && (breaks.length === 0 || at > breaks[breaks.length - 1])) {
        breaks.push(at);
      }
    }
    return breaks;
  }

  function classOf(value, breaks) {
    var index = 0;
    while (index < breaks.length && value >= breaks[index]) {
      index++;
    }
    return index;
  }

  function ThematicMap(node) {
    this.node = node;
    this.panel = node.closest(".thematic-map-panel") || document;
    this.form = this.panel.querySelector("[data-map-form]");
    this.status = this.panel.querySelector("[data-map-status]");
    this.legend = this.panel.querySelector("[data-map-legend]");
    this.legendTitle = this.panel.querySelector("[data-map-legend-title]");
    this.messages = [];
    this.data = null;
    this.map = L.map(node, { attributionControl: false, zoomSnap: 0.25 });
    this.map.setView([35.4, 116.3], 9);
    // The cases' points stay above the areas, however often the areas are redrawn.
    this.map.createPane("cases").style.zIndex = 450;
    this.addTiles();
    this.children = L.layerGroup().addTo(this.map);
    this.outline = L.layerGroup().addTo(this.map);
    this.cases = L.layerGroup().addTo(this.map);
    this.fitted = false;
    this.bindControls();
    this.load();
    this.loadCases();
  }

  ThematicMap.prototype.field = function (name) {
    return this.form ? this.form.elements.namedItem(name) : null;
  };

  ThematicMap.prototype.value = function (name, fallback) {
    var element = this.field(name);
    return element ? element.value : this.node.getAttribute("data-" + name) || fallback;
  };

  ThematicMap.prototype.checked = function (selector) {
    var box = this.panel.querySelector(selector);
    return !box || box.checked;
  };

  ThematicMap.prototype.say = function (key, text) {
    this.messages = this.messages.filter(function (m) { return m.key !== key; });
    if (text) {
      this.messages.push({ key: key, text: text });
    }
    if (this.status) {
      this.status.textContent = this.messages.map(function (m) { return m.text; }).join(" ");
    }
  };

  // The county's tiles under the boundaries, dropped if none of the first ones loads.
  ThematicMap.prototype.addTiles = function () {
    var url = this.node.getAttribute("data-tile-url");
    if (!url) {
      return;
    }
    var self = this;
    var options = { maxZoom: 18, attribution: "" };
    var subdomains = this.node.getAttribute("data-tile-subdomains");
    if (subdomains) {
      options.subdomains = subdomains;
    }
    var layer = L.tileLayer(url, options);
    var loaded = false;
    var failed = 0;
    layer.on("tileload", function () { loaded = true; });
    layer.on("tileerror", function () {
      failed++;
      if (!loaded && failed >= 4 && self.map.hasLayer(layer)) {
        self.map.removeLayer(layer);
        self.say("tiles", self.node.getAttribute("data-text-tiles-failed"));
      }
    });
    layer.addTo(this.map);
  };

  // The choices as query parameters: what the page's address and a drill keep.
  ThematicMap.prototype.choices = function () {
    var params = {
      indicator: this.value("indicator", ""),
      classes: this.value("classes", "quantile"),
      n: this.value("n", "5"),
    };
    var breaks = this.value("breaks", "");
    if (breaks) {
      params.breaks = breaks;
    }
    var period = this.node.getAttribute("data-period");
    if (period) {
      params.period = period;
    }
    return params;
  };

  ThematicMap.prototype.bindControls = function () {
    var self = this;
    if (!this.form) {
      return;
    }
    this.form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.render(true);
    });
    this.form.addEventListener("change", function (event) {
      var target = event.target;
      if (target.name === "indicator") {
        self.load();
      } else if (target.name === "classes" || target.name === "n") {
        self.showMethod();
        self.render(true);
      } else if (target.name === "breaks") {
        self.render(true);
      } else if (target.hasAttribute("data-map-labels")) {
        self.render(false);
      } else if (target.hasAttribute("data-map-cases")) {
        self.showCases();
      }
    });
    this.showMethod();
  };

  ThematicMap.prototype.showMethod = function () {
    var fixed = this.value("classes", "quantile") === "fixed";
    var quantile = this.panel.querySelector("[data-map-quantile]");
    var breaks = this.panel.querySelector("[data-map-fixed]");
    if (quantile) {
      quantile.hidden = fixed;
    }
    if (breaks) {
      breaks.hidden = !fixed;
    }
  };

  ThematicMap.prototype.remember = function () {
    if (!window.history || !window.history.replaceState) {
      return;
    }
    var url = new URL(window.location.href);
    var choices = this.choices();
    ["indicator", "classes", "n", "breaks"].forEach(function (name) {
      if (choices[name]) {
        url.searchParams.set(name, choices[name]);
      } else {
        url.searchParams.delete(name);
      }
    });
    window.history.replaceState(window.history.state, "", url.toString());
  };

  ThematicMap.prototype.load = function () {
    var self = this;
    var key = this.value("indicator", "");
    var api = this.node.getAttribute("data-map-api").replace(this.node.getAttribute("data-key-placeholder"), key);
    var query = new URLSearchParams({ area: this.node.getAttribute("data-area") });
    var period = this.node.getAttribute("data-period");
    if (period) {
      query.set("period", period);
    }
    fetch(api + "?" + query.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (data) {
        self.data = data;
        self.say("load", "");
        self.render(true);
      })
      .catch(function () {
        self.say("load", self.node.getAttribute("data-text-load-failed"));
      });
  };

  // The classes of the values as the viewer chose them: {breaks, min, max, fixed}.
  ThematicMap.prototype.classes = function (values) {
    var errorBox = this.panel.querySelector("[data-map-breaks-error]");
    var input = this.field("breaks");
    var fixed = this.value("classes", "quantile") === "fixed";
    if (errorBox) {
      errorBox.textContent = "";
    }
    if (input) {
      input.classList.remove("is-invalid");
    }
    if (fixed) {
      try {
        return { breaks: parseBreaks(this.value("breaks", ""), this.node), fixed: true };
      } catch (error) {
        if (errorBox) {
          errorBox.textContent = error.message;
        }
        if (input) {
          input.classList.add("is-invalid");
        }
        // Until the breaks can be read, the map keeps its quantiles.
      }
    }
    var count = parseInt(this.value("n", "5"), 10) || 5;
    return { breaks: values.length ? quantileBreaks(values, count) : [], fixed: false };
  };

  ThematicMap.prototype.render = function (remember) {
    if (!this.data) {
      return;
    }
    var self = this;
    var data = this.data;
    var kind = data.indicator.kind;
    var values = data.features
      .map(function (f) { return f.properties.value; })
      .filter(function (v) { return v !== null && v !== undefined; });
    var classes = this.classes(values);
    var palette = colours(classes.breaks.length + 1);
    var labels = this.checked("[data-map-labels]");
    var drillBase = this.node.getAttribute("data-drill-base");
    var choices = this.choices();

    this.children.clearLayers();
    this.outline.clearLayers();
    var shapes = L.geoJSON(data.features, {
      style: function (feature) {
        var value = feature.properties.value;
        var fill = value === null || value === undefined ? NO_DATA : palette[classOf(value, classes.breaks)];
        return { color: "#495057", weight: 1, fillColor: fill, fillOpacity: 0.8 };
      },
      onEachFeature: function (feature, shape) {
        var props = feature.properties;
        // Leaflet renders a string tooltip as HTML: the name and value go in as text.
        var label = document.createElement("span");
        var name = document.createElement("span");
        name.textContent = props.name;
        label.appendChild(name);
        var shown = formatValue(props.value, kind);
        var value = document.createElement("span");
        value.className = "map-label-value";
        value.textContent = shown === null ? self.node.getAttribute("data-text-no-data") : shown;
        label.appendChild(value);
        shape.bindTooltip(label, {
          permanent: labels,
          direction: "center",
          className: labels ? "map-label" : "",
        });
        shape.on("click", function () {
          var target = drillBase || props.drill.split("?")[0];
          var query = new URLSearchParams(choices);
          query.set("area", props.code);
          window.location.href = target + "?" + query.toString();
        });
      },
    });
    shapes.addTo(this.children);
    if (data.outline) {
      L.geoJSON(data.outline, {
        interactive: false,
        style: { color: "#0d6efd", weight: 2.5, fill: false, dashArray: "6 4" },
      }).addTo(this.outline);
    }
    if (!data.features.length) {
      this.say("boundaries", this.node.getAttribute("data-text-no-boundaries"));
    } else {
      this.say("boundaries", "");
    }
    if (!this.fitted) {
      var bounds = data.outline ? L.geoJSON(data.outline).getBounds() : shapes.getBounds();
      if (bounds.isValid()) {
        this.map.fitBounds(bounds, { padding: [8, 8] });
        this.fitted = true;
      }
    }
    this.drawLegend(classes, palette, values, kind, data);
    if (remember) {
      this.remember();
    }
  };

  ThematicMap.prototype.drawLegend = function (classes, palette, values, kind, data) {
    if (this.legendTitle) {
      this.legendTitle.textContent = data.indicator.name + (kind === "ratio" ? " (%)" : data.indicator.unit ? " (" + data.indicator.unit + ")" : "");
    }
    if (!this.legend) {
      return;
    }
    var legend = this.legend;
    while (legend.firstChild) {
      legend.removeChild(legend.firstChild);
    }
    var min = values.length ? Math.min.apply(null, values) : null;
    var max = values.length ? Math.max.apply(null, values) : null;
    var breaks = classes.breaks;
    function item(colour, text, empty) {
      var li = document.createElement("li");
      li.setAttribute("data-map-class", "");
      var swatch = document.createElement("span");
      swatch.className = "map-swatch" + (empty ? " map-swatch-none" : "");
      swatch.setAttribute("aria-hidden", "true");
      if (!empty) {
        swatch.style.backgroundColor = colour;
      }
      li.appendChild(swatch);
      li.appendChild(document.createTextNode(text));
      legend.appendChild(li);
    }
    var f = function (v) { return formatValue(v, kind); };
    if (values.length || classes.fixed) {
      for (var i = 0; i <= breaks.length; i++) {
        var text;
        if (classes.fixed) {
          if (i === 0) {
            text = "< " + f(breaks[0]);
          } else if (i === breaks.length) {
            text = "≥ " + f(breaks[i - 1]);
          } else {
            text = f(breaks[i - 1]) + " – " + f(breaks[i]);
          }
        } else {
          // A quantile class by the values that fall in it: its smallest to its largest.
          var inside = values.filter(function (v) { return classOf(v, breaks) === i; });
          var low = inside.length ? Math.min.apply(null, inside) : i === 0 ? min : breaks[i - 1];
          var high = inside.length ? Math.max.apply(null, inside) : i === breaks.length ? max : breaks[i];
          text = low === high ? f(low) : f(low) + " – " + f(high);
        }
        item(palette[i], text, false);
      }
    }
    var missing = data.features.some(function (feature) {
      return feature.properties.value === null || feature.properties.value === undefined;
    });
    if (missing || !values.length) {
      item(NO_DATA, this.node.getAttribute("data-text-no-data"), true);
    }
  };

  ThematicMap.prototype.loadCases = function () {
    var self = this;
    var api = this.node.getAttribute("data-cases-api");
    if (!api) {
      return;
    }
    var query = new URLSearchParams({ area: this.node.getAttribute("data-area") });
    fetch(api + "?" + query.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (data) {
        var overdue = self.node.getAttribute("data-text-overdue");
        L.geoJSON(data.features, {
          pointToLayer: function (feature, latlng) {
            var late = feature.properties.overdue;
            return L.circleMarker(latlng, {
              pane: "cases",
              radius: 4,
              color: "#ffffff",
              weight: 1,
              fillColor: late ? "#dc3545" : "#fd7e14",
              fillOpacity: 0.95,
            });
          },
          onEachFeature: function (feature, marker) {
            var p = feature.properties;
            var text = document.createElement("span");
            text.textContent = [p.tracking_code, p.category, p.status, p.overdue ? overdue : ""]
              .filter(function (part) { return part; })
              .join(" · ");
            marker.bindTooltip(text);
            marker.on("click", function () {
              window.location.href = p.url;
            });
          },
        }).addTo(self.cases);
        self.say("cases", data.truncated ? self.node.getAttribute("data-text-truncated") : "");
        self.showCases();
      })
      .catch(function () {
        self.say("cases", self.node.getAttribute("data-text-load-failed"));
      });
  };

  ThematicMap.prototype.showCases = function () {
    if (this.checked("[data-map-cases]")) {
      if (!this.map.hasLayer(this.cases)) {
        this.cases.addTo(this.map);
      }
    } else if (this.map.hasLayer(this.cases)) {
      this.map.removeLayer(this.cases);
    }
  };

  function start(root) {
    if (typeof L === "undefined") {
      return;
    }
    (root || document).querySelectorAll("[data-thematic-map]:not([data-drawn])").forEach(function (node) {
      node.setAttribute("data-drawn", "1");
      node.thematicMap = new ThematicMap(node);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { start(document); });
  } else {
    start(document);
  }
  document.addEventListener("htmx:afterSettle", function (event) { start(event.target); });
})();
