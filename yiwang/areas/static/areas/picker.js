// The area picker (yiwang.areas.picker.AreaPicker): type a name or pinyin initials, or walk
// down the tree; the chosen area's code goes in the form's hidden field. The server renders
// the results (within the user's scope); this only fetches and places them. Kept out of the
// markup: the CSP forbids inline scripts.
(function () {
  "use strict";

  if (window.yiwangAreaPicker) {
    return; // the widget includes this file once for each picker on the page
  }
  window.yiwangAreaPicker = true;

  var DELAY_MS = 250;

  function setup(root) {
    if (root.hasAttribute("data-picker-ready")) {
      return;
    }
    root.setAttribute("data-picker-ready", "1");
    var value = root.querySelector("[data-picker-value]");
    var chosen = root.querySelector("[data-picker-chosen]");
    var label = root.querySelector("[data-picker-label]");
    var search = root.querySelector("[data-picker-search]");
    var results = root.querySelector("[data-picker-results]");
    var timer = null;
    var asked = 0;

    function load(params) {
      var query = new URLSearchParams(params);
      var levels = root.getAttribute("data-levels");
      if (levels) {
        query.set("levels", levels);
      }
      var ticket = ++asked;
      root.setAttribute("aria-busy", "true");
      return fetch(root.getAttribute("data-url") + "?" + query.toString(), {
        credentials: "same-origin",
        headers: { Accept: "text/html" },
      })
        .then(function (response) {
          return response.ok ? response.text() : "";
        })
        .then(function (html) {
          if (ticket === asked) {
            results.innerHTML = html; // rendered and escaped by the server
            root.removeAttribute("aria-busy");
          }
          return ticket === asked;
        });
    }

    function buttons() {
      return Array.prototype.slice.call(
        results.querySelectorAll("button[data-picker-choose], button[data-picker-open]")
      );
    }

    function focusFirst() {
      var all = buttons();
      if (all.length) {
        all[0].focus();
      }
    }

    function text(tag, className, content) {
      var node = document.createElement(tag);
      node.className = className;
      node.textContent = content;
      return node;
    }

    function choose(button) {
      value.value = button.getAttribute("data-picker-choose");
      label.textContent = "";
      label.appendChild(text("span", "fw-semibold", button.getAttribute("data-name")));
      label.appendChild(document.createTextNode(" "));
      label.appendChild(
        text("span", "badge text-bg-light border", button.getAttribute("data-level-label"))
      );
      var parentName = button.getAttribute("data-parent-name");
      if (parentName) {
        label.appendChild(document.createTextNode(" "));
        label.appendChild(text("span", "text-muted small", parentName));
      }
      label.appendChild(document.createTextNode(" "));
      label.appendChild(text("span", "code small text-muted", value.value));
      chosen.classList.remove("d-none");
      results.innerHTML = "";
      search.value = "";
      value.dispatchEvent(new Event("change", { bubbles: true }));
      search.focus();
    }

    search.addEventListener("input", function () {
      window.clearTimeout(timer);
      var typed = search.value.trim();
      if (!typed) {
        results.innerHTML = "";
        return;
      }
      timer = window.setTimeout(function () {
        load({ q: typed });
      }, DELAY_MS);
    });

    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault(); // Enter searches; it does not send the form
        window.clearTimeout(timer);
        if (search.value.trim()) {
          load({ q: search.value.trim() }).then(function (current) {
            if (current) {
              focusFirst();
            }
          });
        }
      } else if (event.key === "ArrowDown") {
        event.preventDefault();
        focusFirst();
      } else if (event.key === "Escape") {
        results.innerHTML = "";
      }
    });

    root.querySelector("[data-picker-browse]").addEventListener("click", function () {
      load({}).then(function (current) {
        if (current) {
          focusFirst();
        }
      });
    });

    root.querySelector("[data-picker-clear]").addEventListener("click", function () {
      value.value = "";
      label.textContent = "";
      chosen.classList.add("d-none");
      value.dispatchEvent(new Event("change", { bubbles: true }));
      search.focus();
    });

    results.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button || !results.contains(button)) {
        return;
      }
      if (button.hasAttribute("data-picker-choose")) {
        choose(button);
      } else if (button.hasAttribute("data-picker-open")) {
        var code = button.getAttribute("data-picker-open");
        load(code ? { parent: code } : {}).then(function (current) {
          if (current) {
            focusFirst();
          }
        });
      }
    });

    // Up and down move between the results, Escape goes back to the search box.
    results.addEventListener("keydown", function (event) {
      var all = buttons();
      var at = all.indexOf(document.activeElement);
      if (event.key === "ArrowDown" && at >= 0 && at < all.length - 1) {
        event.preventDefault();
        all[at + 1].focus();
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (at > 0) {
          all[at - 1].focus();
        } else {
          search.focus();
        }
      } else if (event.key === "Escape") {
        results.innerHTML = "";
        search.focus();
      }
    });

    // Text typed before the script ran (a slow phone) is searched now.
    if (search.value.trim()) {
      load({ q: search.value.trim() });
    }
  }

  function setupAll(scope) {
    Array.prototype.forEach.call(
      (scope || document).querySelectorAll("[data-area-picker]"),
      setup
    );
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      setupAll(document);
    });
  } else {
    setupAll(document);
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    setupAll(event.target);
  });
})();
