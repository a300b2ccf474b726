// session: who is signed in on the admin origin (GET /api/admin/session), and signing in and
// out. The admin origin has its own session cookie; the players' app's cookie never counts here.
import { get, post, setCsrf } from './api';

export type Me = { id: string; username: string; is_admin: boolean };
export type Session = { signed_in: boolean; user: Me | null; csrf_token: string | null; sign_in: { oidc: boolean; dev: boolean } };

export async function loadSession(): Promise<Session> {
  const s = await get<Session>('/api/admin/session');
  setCsrf(s.csrf_token);
  return s;
}

export async function devLogin(username: string): Promise<Session> {
  const s = await post<Session>('/api/dev/login', { username });
  setCsrf(s.csrf_token);
  return s;
}

export async function logout(): Promise<void> {
  await post('/api/admin/logout');
  setCsrf(null);
}
