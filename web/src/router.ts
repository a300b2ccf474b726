// router: history-API routing for the single-page app. The server answers every unknown path
// with index.html (SPA fallback), so deep links and reloads land here.
import { useEffect, useState } from 'preact/hooks';
import { store } from './store';

export const route = store<string>(location.pathname + location.search);

export function navigate(to: string, replace = false) {
  if (to === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  route.set(to);
  window.scrollTo(0, 0);
}

window.addEventListener('popstate', () => route.set(location.pathname + location.search));

export function useRoute() {
  const [r, setR] = useState(route.get());
  useEffect(() => route.subscribe(setR), []);
  const u = new URL(r, location.origin);
  return { path: u.pathname, query: u.searchParams };
}

/** Matches "/creature/:id" against a path; null or the params. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/');
  const s = path.replace(/\/+$/, '').split('/');
  if (path === '/' && pattern === '/') return {};
  if (p.length !== s.length) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(':')) out[p[i].slice(1)] = decodeURIComponent(s[i]);
    else if (p[i] !== s[i]) return null;
  }
  return out;
}

/** Link clicks inside the app stay in the app (modifier clicks open a tab as usual). */
export function onLinkClick(e: MouseEvent) {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.target as Element).closest('a');
  if (!a || a.target || a.hasAttribute('download') || a.dataset.external !== undefined) return;
  const href = a.getAttribute('href');
  if (!href || !href.startsWith('/') || href.startsWith('//') || href.startsWith('/auth/') || href.startsWith('/api/'))
    return;
  e.preventDefault();
  navigate(href);
}
