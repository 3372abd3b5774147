/* The door's service worker (frontend/pages/door.py serves it at /organiseren/{slug}/inchecken/sw.js): keeps the
   scanner page and its files on the phone, so that a reload without network still opens the scanner, with its
   queue (localStorage) and door list. Network first, the copy when the network fails; only the scanner page and
   the static files it names are kept (door.js sends their addresses); the door list, scans and every other page
   go to the network as usual. */
"use strict";
var CACHE = "ng-door-v1";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("message", function (event) {
  var urls = (event.data && event.data.keep) || [];
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(urls.map(function (url) {
      return fetch(url, {credentials: "same-origin"}).then(function (response) {
        if (response.ok) { return cache.put(url, response); }
      });
    }));
  }).then(function () {
    if (event.source) { event.source.postMessage({kept: urls.length}); }
  }));
});

function kept(request) {
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) { return false; }
  return url.pathname.indexOf("/static/") === 0 || /\/inchecken\/?$/.test(url.pathname);
}

self.addEventListener("fetch", function (event) {
  if (!kept(event.request)) { return; }
  var key = event.request.mode === "navigate" ? new URL(event.request.url).pathname : event.request;
  event.respondWith(fetch(event.request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(key, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(key).then(function (hit) { return hit || Response.error(); });
  }));
});
