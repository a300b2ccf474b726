// settings: rename, data export (a JSON file), sign out, delete the account (typed
// confirmation), and links to notifications and avatar.
import { useState } from 'preact/hooks';
import { ApiError, del, get, patch } from '../api';
import { Modal, Screen } from '../components';
import { useAction } from '../hooks';
import { forget, signOut } from '../session';
import { navigate } from '../router';
import { session, setUser, toast, useStore, type User } from '../store';

export function Settings() {
  const s = useStore(session);
  const [name, setName] = useState(s.status === 'in' ? s.user.username : '');
  const [err, setErr] = useState('');
  const [del1, setDel1] = useState(false);
  const [typed, setTyped] = useState('');
  const { busy, run } = useAction();
  if (s.status !== 'in') return null;
  const u = s.user;
  async function rename(e: Event) {
    e.preventDefault();
    setErr('');
    await run(async () => {
      try {
        const r = await patch<{ user: User }>('/api/user/me', { username: name.trim() });
        setUser(r.user);
        toast('Name changed!', 'good');
      } catch (e2) {
        setErr((e2 as ApiError).message);
      }
    });
  }
  async function exportData() {
    await run(async () => {
      try {
        const data = await get('/api/user/export');
        const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
        const url = URL.createObjectURL(blob);
        const a = document.createElement('a');
        a.href = url;
        a.download = `chatlings-${u.username}-export.json`;
        document.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10000);
        toast('Your data is downloading.', 'good');
      } catch (e) {
        toast((e as ApiError).message, 'bad');
      }
    });
  }
  async function deleteAccount() {
    await run(async () => {
      try {
        await del('/api/user/me');
        await forget();
        session.set({ status: 'out', devLogin: s.status === 'in' ? s.devLogin : false });
        navigate('/', true);
        toast('Your account was deleted. Goodbye, friend 👋', 'info', 6000);
      } catch (e) {
        toast((e as ApiError).message, 'bad');
      }
    });
  }
  return (
    <Screen title="Settings" back="/me">
      <form class="card" onSubmit={rename}>
        <h2>Your name</h2>
        <label class="field">
          <span>Username</span>
          <input value={name} required minLength={3} maxLength={20} pattern="[A-Za-z0-9_]+" autoComplete="username"
            onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </label>
        {err && <p class="form-error" role="alert">{err}</p>}
        <button class="btn" type="submit" disabled={busy || name.trim() === u.username}>Rename</button>
      </form>
      <div class="card settings-links">
        <a class="row-link" href="/notifications"><span aria-hidden="true">🔔</span> Notifications and push</a>
        <a class="row-link" href="/avatar"><span aria-hidden="true">🎨</span> Avatar</a>
        <a class="row-link" href="/youtube"><span aria-hidden="true">▶️</span> YouTube</a>
      </div>
      <div class="card">
        <h2>Your data</h2>
        <p class="muted">Download everything Chatlings keeps about you, as a JSON file.</p>
        <button class="btn btn-secondary" type="button" disabled={busy} onClick={exportData}>Download my data</button>
      </div>
      <div class="card">
        <h2>Session</h2>
        <button class="btn btn-secondary" type="button" onClick={() => signOut()}>Sign out</button>
      </div>
      <div class="card danger">
        <h2>Delete account</h2>
        <p class="muted">Your chatlings, achievements and messages are deleted for good. This cannot be undone.</p>
        <button class="btn btn-danger" type="button" onClick={() => { setTyped(''); setDel1(true); }}>Delete my account…</button>
      </div>
      <Modal open={del1} onClose={() => setDel1(false)} title="Delete account">
        <h2>Delete your account?</h2>
        <p>Type <strong>{u.username}</strong> to confirm.</p>
        <label class="field">
          <span class="sr-only">Your username</span>
          <input value={typed} onInput={(e) => setTyped((e.target as HTMLInputElement).value)} autoComplete="off" />
        </label>
        <div class="center">
          <button class="btn btn-danger" type="button" disabled={typed !== u.username || busy} onClick={deleteAccount}>Delete forever</button>
          <button class="btn btn-secondary" type="button" onClick={() => setDel1(false)}>Keep my account</button>
        </div>
      </Modal>
    </Screen>
  );
}
