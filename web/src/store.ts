// store: tiny observable values shared by the screens (session, unread count, offline state,
// toasts), and a hook that re-renders a component when one changes.
import { useEffect, useState } from 'preact/hooks';

export interface Store<T> {
  get(): T;
  set(v: T): void;
  update(fn: (v: T) => T): void;
  subscribe(fn: (v: T) => void): () => void;
}

export function store<T>(initial: T): Store<T> {
  let value = initial;
  const subs = new Set<(v: T) => void>();
  return {
    get: () => value,
    set(v) {
      value = v;
      for (const s of subs) s(v);
    },
    update(fn) {
      this.set(fn(value));
    },
    subscribe(fn) {
      subs.add(fn);
      return () => subs.delete(fn);
    },
  };
}

export function useStore<T>(s: Store<T>): T {
  const [v, setV] = useState(s.get());
  useEffect(() => {
    setV(s.get());
    return s.subscribe(setV);
  }, [s]);
  return v;
}

export interface Creature {
  id: string;
  name: string;
  short_name?: string;
  body_type: string;
  rarity: string;
  colour_scheme?: string;
  vibe?: string;
  traits?: Record<string, number>;
  scores?: Record<string, number>;
  thumb_url?: string;
  artwork_url?: string;
  // collection fields
  found_count?: number;
  rizz?: number;
  glow?: number;
  mood?: string;
  status?: string;
  first_found_at?: string;
  source?: string;
  [k: string]: any;
}

export interface User {
  id: string;
  username: string;
  email?: string | null;
  motes: number;
  is_admin?: boolean;
  current_creature: Creature | null;
  avatar_n: number | null;
  created_at?: string;
}

export type SessionState =
  | { status: 'loading' }
  | { status: 'out'; devLogin: boolean }
  | { status: 'pending'; devLogin: boolean }
  | { status: 'in'; user: User; devLogin: boolean };

export const session = store<SessionState>({ status: 'loading' });
export const unread = store<number>(0);
export const offline = store<{ offline: boolean; savedAt: string | null }>({ offline: false, savedAt: null });

export interface Toast {
  id: number;
  text: string;
  kind: 'info' | 'good' | 'bad';
}
export const toasts = store<Toast[]>([]);
let toastId = 0;
export function toast(text: string, kind: Toast['kind'] = 'info', ms = 3500) {
  const id = ++toastId;
  toasts.update((l) => [...l.slice(-2), { id, text, kind }]);
  setTimeout(() => toasts.update((l) => l.filter((t) => t.id !== id)), ms);
}

export function setUser(u: User) {
  const s = session.get();
  session.set({ status: 'in', user: u, devLogin: s.status === 'loading' ? false : s.devLogin });
}
export function patchUser(p: Partial<User>) {
  const s = session.get();
  if (s.status === 'in') session.set({ ...s, user: { ...s.user, ...p } });
}
