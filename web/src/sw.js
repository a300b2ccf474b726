// sw.js: the Chatlings service worker. Emitted by vite.config.ts, which fills in the precache
// list (every built file) and the build id.
// - The app shell (index.html, /assets/*, icons, fonts) is precached on install, so the app
//   starts offline; navigations fall back to the cached shell (the SPA routes all render there).
// - /api GETs are network-first. A saved copy is only used when the network fails, and then the
//   response carries X-Chatlings-Saved-At so the page says "offline, showing saved data from
//   HH:MM" instead of passing stale data off as fresh. Writes (POST/PUT/...) are never cached
//   or replayed. The saved copies are dropped when the player signs out (message "clear-api").
// - Push: a push event shows a notification; a click focuses (or opens) the app at its URL.
const BUILD = self.__BUILD_ID__;
const PRECACHE = self.__PRECACHE__;
const SHELL_CACHE = `chatlings-shell-${BUILD}`;
const API_CACHE = 'chatlings-api-v1';
const IMG_CACHE = 'chatlings-img-v1';
const IMG_MAX = 400; // pictures kept for offline use (oldest dropped first)
const IMG_PATH = /^\/(artwork|thumbs|avatars)\//;
// Personal but harmless to show offline; the export and sign-in flows are never saved.
const API_NEVER = [/^\/api\/user\/export/, /^\/api\/youtube\/connect/, /^\/api\/youtube\/callback/, /^\/api\/push\//];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(SHELL_CACHE).then((c) => c.addAll(PRECACHE.map((u) => new Request(u, { cache: 'reload' })))),
  );
  self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const k of await caches.keys()) {
        if (k.startsWith('chatlings-shell-') && k !== SHELL_CACHE) await caches.delete(k);
      }
      if (self.registration.navigationPreload) await self.registration.navigationPreload.disable();
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('message', (event) => {
  if (event.data === 'clear-api') event.waitUntil(caches.delete(API_CACHE));
});

async function networkFirstApi(request) {
  const url = new URL(request.url);
  const keep = !API_NEVER.some((re) => re.test(url.pathname));
  try {
    const res = await fetch(request);
    if (keep && res.ok) {
      const copy = res.clone();
      const headers = new Headers(copy.headers);
      headers.set('X-Chatlings-Saved-At', new Date().toISOString());
      const body = await copy.arrayBuffer();
      const cache = await caches.open(API_CACHE);
      await cache.put(request, new Response(body, { status: copy.status, statusText: copy.statusText, headers }));
    }
    return res;
  } catch (err) {
    const cached = keep ? await (await caches.open(API_CACHE)).match(request) : undefined;
    if (cached) return cached;
    return new Response(JSON.stringify({ error: { code: 'offline', message: 'You are offline.' } }), {
      status: 503,
      headers: { 'Content-Type': 'application/json', 'X-Chatlings-Offline': '1' },
    });
  }
}

async function shellForNavigation(request) {
  try {
    // fresh HTML when online, so a new deploy's hashed assets are picked up
    return await fetch(request);
  } catch (err) {
    const cache = await caches.open(SHELL_CACHE);
    return (await cache.match('/')) || Response.error();
  }
}

// Creature pictures and avatars are drawn by id: show the saved one at once and refresh it
// in the background (an admin may have replaced the artwork).
async function pictures(event) {
  const cache = await caches.open(IMG_CACHE);
  const cached = await cache.match(event.request);
  const fresh = fetch(event.request)
    .then(async (res) => {
      if (res.ok) {
        await cache.put(event.request, res.clone());
        const keys = await cache.keys();
        for (const k of keys.slice(0, Math.max(0, keys.length - IMG_MAX))) await cache.delete(k);
      }
      return res;
    })
    .catch(() => cached || Response.error());
  if (cached) {
    event.waitUntil(fresh.then(() => undefined, () => undefined));
    return cached;
  }
  return fresh;
}

async function cacheFirst(request) {
  const cached = await caches.match(request);
  if (cached) return cached;
  return fetch(request);
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || req.method !== 'GET') return;
  if (url.pathname === '/ws' || url.pathname.startsWith('/auth/')) return;
  if (url.pathname.startsWith('/api/')) {
    event.respondWith(networkFirstApi(req));
    return;
  }
  if (IMG_PATH.test(url.pathname)) {
    event.respondWith(pictures(event));
    return;
  }
  if (req.mode === 'navigate') {
    event.respondWith(shellForNavigation(req));
    return;
  }
  if (PRECACHE.includes(url.pathname)) event.respondWith(cacheFirst(req));
});

self.addEventListener('push', (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (err) {
    data = { title: 'Chatlings', body: event.data ? event.data.text() : '' };
  }
  const title = typeof data.title === 'string' && data.title ? data.title : 'Chatlings';
  const options = {
    body: typeof data.body === 'string' ? data.body : '',
    icon: '/icons/icon-192.png',
    badge: '/icons/icon-192.png',
    tag: typeof data.tag === 'string' ? data.tag : undefined,
    data: { url: typeof data.url === 'string' && data.url.startsWith('/') ? data.url : '/notifications' },
  };
  event.waitUntil(
    (async () => {
      await self.registration.showNotification(title, options);
      // open pages refresh their bell at once
      for (const c of await self.clients.matchAll({ type: 'window' })) c.postMessage({ type: 'push', data });
    })(),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || '/';
  event.waitUntil(
    (async () => {
      const wins = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      for (const w of wins) {
        if (new URL(w.url).origin === self.location.origin) {
          await w.focus();
          w.postMessage({ type: 'navigate', url });
          return;
        }
      }
      await self.clients.openWindow(url);
    })(),
  );
});

self.addEventListener('pushsubscriptionchange', (event) => {
  // the page re-subscribes and re-registers on its next start (push.ts); nothing to send from here
  event.waitUntil(Promise.resolve());
});
