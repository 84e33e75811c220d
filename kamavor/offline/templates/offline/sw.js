// Kamavor's service worker: keeps the desk pages and their static files for offline use.
// Writes never pass through here: the page's outbox sends them itself when it is online.
"use strict";
var VERSION = "kamavor-{{ version }}";
var FILES = {{ files|safe }};
var PAGES = new RegExp({{ pages|safe }});

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(VERSION).then(function (cache) {
    return cache.addAll(FILES);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("kamavor-") === 0 && name !== VERSION;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function keep(request, response) {
  if (response && response.ok && !response.redirected && response.type === "basic") {
    var copy = response.clone();
    return caches.open(VERSION).then(function (cache) {
      return cache.put(request, copy);
    }).then(function () { return response; });
  }
  return Promise.resolve(response);
}

// A desk page: the network first (it is fresher), the kept copy when there is no network.
function page(request) {
  return fetch(request).then(function (response) {
    return keep(request, response);
  }).catch(function () {
    return caches.match(request, {ignoreSearch: true, ignoreVary: true}).then(function (kept) {
      return kept || Response.error();
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (FILES.indexOf(url.pathname) >= 0) {
    event.respondWith(caches.match(request).then(function (kept) {
      return kept || fetch(request);
    }));
  } else if (request.mode === "navigate" && PAGES.test(url.pathname)) {
    event.respondWith(page(request));
  }
});

// The page asks to keep itself (it may have been reached by htmx, not by a navigation).
self.addEventListener("message", function (event) {
  var path = event.data && event.data.keep;
  if (typeof path !== "string" || !PAGES.test(path)) return;
  var port = event.ports && event.ports[0];
  event.waitUntil(fetch(path, {credentials: "same-origin"}).then(function (response) {
    return keep(new Request(path), response);
  }).then(function (response) {
    if (port) port.postMessage({kept: response.ok});
  }).catch(function () {}));
});

// Logging out forgets the kept pages.
self.addEventListener("message", function (event) {
  if (event.data && event.data.forget) {
    event.waitUntil(caches.delete(VERSION));
  }
});
