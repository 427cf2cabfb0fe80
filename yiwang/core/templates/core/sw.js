// Yiwang's service worker: the pages a grid worker uses in the field (the "today" list,
// the visit form, the case report form) and their static files, kept so that they open
// with no signal. Served at /sw.js (yiwang.core.views.service_worker) so that its scope is
// the whole site; what is typed while offline is queued in IndexedDB by js/offline.js and
// sent to the API when the signal returns.
"use strict";

const CACHE = "yiwang-{{ version }}";
const ASSETS = {{ assets|safe }};
const PAGES = {{ pages|safe }};

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(ASSETS))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

// A page asks for the field pages to be kept, and for the pages it links to that a worker
// opens next in the field (the visit form of each household on the "today" list): fetched
// with the session's cookie, kept only when they answered as themselves (not a login page).
self.addEventListener("message", (event) => {
  if (event.data === "forget-pages") {
    // Signing out: the kept pages hold the worker's households; what waits to be sent stays.
    event.waitUntil(
      caches.open(CACHE).then((cache) =>
        cache.keys().then((requests) =>
          Promise.all(
            requests
              .filter((request) => !ASSETS.includes(new URL(request.url).pathname))
              .map((request) => cache.delete(request)),
          ),
        ),
      ),
    );
    return;
  }
  if (!event.data || !Array.isArray(event.data.keep)) {
    return;
  }
  const paths = PAGES.concat(event.data.keep.filter(keptPath)).slice(0, PAGES.length + MAX_KEPT);
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      Promise.all(
        paths.map((path) =>
          fetch(path, { credentials: "same-origin" })
            .then((response) => (keepable(response, path) ? whole(response) : null))
            .then((copy) => (copy ? cache.put(path, copy) : null))
            .catch(() => null),
        ),
      ),
    ),
  );
});

// Only pages of the field work are kept, and only so many.
const MAX_KEPT = 60;
function keptPath(path) {
  return (
    typeof path === "string" &&
    /^\/(outreach\/visits\/(household|enterprise)\/\d+\/new|notices\/announcements\/\d+|volunteering\/checkin\/\d+)\/$/.test(path)
  );
}

// The response read to its end before it replaces the kept copy: a signal lost half-way
// through a page leaves the copy kept before.
function whole(response) {
  return response.blob().then(
    (body) =>
      new Response(body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      }),
  );
}

function keepable(response, path) {
  return response.ok && !response.redirected && new URL(response.url).pathname === path;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    return;
  }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (ASSETS.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname).then((kept) => kept || fetch(request)));
    return;
  }
  if (request.mode !== "navigate") {
    return;
  }
  // Pages: the network first (lists change), a kept copy when there is no signal, which is
  // refreshed whenever the page opens online.
  event.respondWith(
    fetch(request)
      .then((response) => {
        const path = url.pathname;
        if (!url.search && keepable(response, path) && (PAGES.includes(path) || keptPath(path))) {
          const copy = response.clone();
          whole(copy)
            .then((kept) => caches.open(CACHE).then((cache) => cache.put(path, kept)))
            .catch(() => null);
        }
        return response;
      })
      .catch(() =>
        caches.match(url.pathname).then(
          (kept) =>
            kept ||
            new Response(OFFLINE_PAGE, {
              status: 503,
              headers: { "Content-Type": "text/html; charset=utf-8" },
            }),
        ),
      ),
  );
});

const OFFLINE_PAGE = {{ offline_page|safe }};
