// router: the portal's screens live in the location hash (#/creatures/ID), so every screen has
// a link of its own and the server needs no route for them.
import { useEffect, useState } from 'preact/hooks';

export type Route = { screen: string; id: string | null; params: URLSearchParams };

export function parse(hash: string): Route {
  const h = hash.replace(/^#\/?/, '');
  const [path, query = ''] = h.split('?');
  const [screen = '', id = null] = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { screen: screen || 'dashboard', id, params: new URLSearchParams(query) };
}

export function href(screen: string, id?: string | null, params?: Record<string, string>): string {
  const q = params ? new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '')).toString() : '';
  return `#/${screen}${id ? `/${encodeURIComponent(id)}` : ''}${q ? `?${q}` : ''}`;
}

export function go(to: string) {
  if (location.hash !== to) location.hash = to;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parse(location.hash));
  useEffect(() => {
    const on = () => setRoute(parse(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}
