// session: who is signed in. /api/auth/status says signed in, pending (signed in with the
// provider but no player yet: the sign-up form) or signed out, and whether the development
// sign-in is offered; /api/user/me gives the profile and the CSRF token.
import { ApiError, clearCsrf, get, post, setCsrf } from './api';
import { navigate } from './router';
import { session, setUser, unread, type User } from './store';

export async function boot() {
  try {
    const st = await get<{ signed_in: boolean; pending: boolean; csrf_token: string | null; dev_login?: boolean }>(
      '/api/auth/status',
    );
    setCsrf(st.csrf_token);
    const devLogin = !!st.dev_login;
    if (st.signed_in) {
      const me = await get<{ user: User; csrf_token: string }>('/api/user/me');
      session.set({ status: 'in', user: me.user, devLogin });
      if (location.pathname === '/signup' || location.pathname === '/signin') navigate('/', true);
    } else if (st.pending) {
      session.set({ status: 'pending', devLogin });
      if (location.pathname !== '/signup') navigate('/signup', true);
    } else {
      session.set({ status: 'out', devLogin });
    }
  } catch (e) {
    // offline on a first visit, or the server is down: show sign-in with the error banner
    session.set({ status: 'out', devLogin: false });
    if (!(e instanceof ApiError)) throw e;
  }
}

export async function refreshMe() {
  const me = await get<{ user: User }>('/api/user/me');
  setUser(me.user);
  return me.user;
}

export async function signOut() {
  try {
    await post('/api/auth/logout');
  } catch {
    /* signed out locally anyway */
  }
  await forget();
  const s = session.get();
  session.set({ status: 'out', devLogin: s.status === 'loading' ? false : s.devLogin });
  navigate('/', true);
}

/** Drops everything this browser saved about the player (the service worker's API copies). */
export async function forget() {
  clearCsrf();
  unread.set(0);
  try {
    navigator.serviceWorker?.controller?.postMessage('clear-api');
    if ('caches' in window) await caches.delete('chatlings-api-v1');
  } catch {
    /* nothing saved */
  }
}
