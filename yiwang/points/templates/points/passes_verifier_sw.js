// The pass verifier's service worker (/public/passes/verifier-sw.js, scope /public/passes/):
// keeps the verifier page and its static files, so that a conductor's phone opens the page
// with no signal too. Network first (a deploy's new files are taken when online), the kept
// copy when the network fails. The keys, the revocation list and the queue of uses are in
// the page's localStorage (points/verifier.js), not here. Only where the browser allows a
// service worker (HTTPS, or localhost); elsewhere the page works while it stays open.
"use strict";

const PREFIX = "yiwang-verifier-";
const CACHE = PREFIX + "{{ version }}";
const FILES = {{ files|safe }};

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(FILES))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys.filter((k) => k.startsWith(PREFIX) && k !== CACHE).map((k) => caches.delete(k)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || !FILES.includes(url.pathname)) {
    return;
  }
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok && response.type === "basic") {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(url.pathname, copy));
        }
        return response;
      })
      .catch(() =>
        caches.match(url.pathname).then((kept) => kept || Response.error()),
      ),
  );
});
