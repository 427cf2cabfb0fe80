// Working with no signal: a form marked data-offline-api="<API address>" that is sent
// while the browser is offline is kept in IndexedDB, with a UUID made here, and sent to
// that API address as JSON when the signal returns (the API stores a UUID once, however
// often it is sent). Pages with a data-offline body register the service worker that keeps
// them for opening offline. The status in the menu says what waits to be sent and what
// the server refused (kept, never dropped unasked).
(function () {
  "use strict";

  var DB = "yiwang-offline";
  var STORE = "queue";
  var sending = false;

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "uuid" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(STORE, mode);
        var result = work(transaction.objectStore(STORE));
        transaction.oncomplete = function () {
          db.close();
          resolve(result && "result" in result ? result.result : undefined);
        };
        transaction.onerror = function () { db.close(); reject(transaction.error); };
      });
    });
  }

  function all() { return withStore("readonly", function (s) { return s.getAll(); }); }
  function put(record) { return withStore("readwrite", function (s) { s.put(record); }); }
  function remove(uuid) { return withStore("readwrite", function (s) { s.delete(uuid); }); }

  function uuid4() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return x.toString(16).padStart(2, "0"); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  var status = document.getElementById("offline-status");

  function say(template, count) {
    return (status.getAttribute(template) || "").replace("%(count)s", count);
  }

  function showStatus() {
    if (!status) {
      return Promise.resolve();
    }
    return all().then(function (records) {
      var waiting = records.filter(function (r) { return !r.error; });
      var refused = records.filter(function (r) { return r.error; });
      var parts = [];
      if (!navigator.onLine) { parts.push(status.getAttribute("data-offline")); }
      if (waiting.length) { parts.push(say("data-waiting", waiting.length)); }
      if (refused.length) { parts.push(say("data-refused", refused.length)); }
      status.textContent = parts.join(" · ");
      status.hidden = parts.length === 0;
      status.setAttribute("data-waiting-count", String(waiting.length));
      var list = document.getElementById("offline-refused");
      if (list) {
        list.replaceChildren();
        refused.forEach(function (record) {
          var item = document.createElement("li");
          item.className = "list-group-item d-flex justify-content-between gap-2";
          var text = document.createElement("span");
          text.textContent = (record.label ? record.label + ": " : "") + record.error;
          var drop = document.createElement("button");
          drop.type = "button";
          drop.className = "btn btn-sm btn-outline-danger";
          drop.textContent = list.getAttribute("data-discard");
          drop.addEventListener("click", function () {
            if (window.confirm(list.getAttribute("data-confirm"))) {
              remove(record.uuid).then(showStatus);
            }
          });
          item.append(text, drop);
          list.append(item);
        });
        list.hidden = refused.length === 0;
      }
    });
  }

  function describe(body) {
    if (!body || typeof body !== "object") { return String(body || ""); }
    return Object.keys(body).map(function (key) {
      var value = body[key];
      return Array.isArray(value) ? value.join(" ") : typeof value === "object" ? describe(value) : String(value);
    }).join(" ");
  }

  // Sends what waits, oldest first; stops at the first network failure (no signal yet).
  function flush() {
    if (sending || !navigator.onLine) {
      return Promise.resolve();
    }
    sending = true;
    return all().then(function (records) {
      var waiting = records.filter(function (r) { return !r.error; });
      waiting.sort(function (a, b) { return a.queuedAt < b.queuedAt ? -1 : 1; });
      return waiting.reduce(function (chain, record) {
        return chain.then(function (go) {
          if (!go) { return false; }
          return fetch(record.url, {
            method: "POST",
            credentials: "same-origin",
            headers: {
              "Content-Type": "application/json",
              "Accept": "application/json",
              "X-CSRFToken": csrfToken() || record.csrf,
            },
            body: JSON.stringify(record.body),
          }).then(function (response) {
            if (response.ok) { return remove(record.uuid).then(function () { return true; }); }
            if (response.status >= 400 && response.status < 500 && [401, 403, 408, 429].indexOf(response.status) < 0) {
              return response.json().catch(function () { return {}; }).then(function (body) {
                record.error = describe(body) || String(response.status);
                return put(record).then(function () { return true; });
              });
            }
            return false; // signed out, throttled or a server error: try again later
          }, function () { return false; });
        });
      }, Promise.resolve(true));
    }).finally(function () {
      sending = false;
      return showStatus();
    });
  }

  // A form sent with no signal: kept, and the page says so.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches("form[data-sign-out]") && navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage("forget-pages");
      return;
    }
    if (!form.matches("form[data-offline-api]") || navigator.onLine) {
      return;
    }
    event.preventDefault();
    var body = {};
    new FormData(form).forEach(function (value, key) {
      if (key === "csrfmiddlewaretoken" || value instanceof File || value === "") {
        return;
      }
      body[key] = value;
    });
    // A time left as the page filled it in is the time of sending (a kept page is old):
    // a visit's time, or a field marked data-offline-now (a check-in's `at`).
    form.querySelectorAll("input[name=visited_at], input[data-offline-now]").forEach(function (when) {
      if (when.value === when.defaultValue) {
        body[when.name] = new Date().toISOString();
      }
    });
    all().then(function (records) {
      // A kept page carries the same UUID each time it opens: a second record is another.
      var taken = records.some(function (r) { return r.uuid === body.uuid; });
      if (!body.uuid || taken) { body.uuid = uuid4(); }
      return queue(form, body);
    });
  }, true);

  function queue(form, body) {
    var record = {
      uuid: body.uuid,
      url: form.getAttribute("data-offline-api"),
      body: body,
      csrf: csrfToken(),
      label: form.getAttribute("data-offline-label") || "",
      queuedAt: new Date().toISOString(),
    };
    return put(record).then(function () {
      form.reset();
      var note = form.querySelector(".offline-saved") || document.getElementById("offline-saved");
      if (note) { note.hidden = false; note.scrollIntoView({ block: "nearest" }); }
      form.dispatchEvent(new CustomEvent("offline:queued", { bubbles: true, detail: record }));
      return showStatus();
    });
  }

  window.addEventListener("online", flush);
  window.addEventListener("offline", showStatus);

  if ("serviceWorker" in navigator && document.body.hasAttribute("data-offline")) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      var links = document.querySelectorAll("a[data-keep-offline]");
      var keep = Array.prototype.map.call(links, function (a) { return new URL(a.href).pathname; });
      if (registration.active) { registration.active.postMessage({ keep: keep }); }
    }).catch(function () { /* no service worker (plain HTTP off localhost): online only */ });
  }

  if (window.indexedDB) {
    showStatus().then(flush);
  }
})();
