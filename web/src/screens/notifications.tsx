// notifications: the in-app list (unread first, mark read), and Web Push: opt in on this
// device and choose which kinds of news may ring it.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, get, listOf, post, put } from '../api';
import { Empty, Gate, Screen } from '../components';
import { timeAgo } from '../game';
import { useAction, useApi } from '../hooks';
import { refreshUnread } from '../live';
import { currentSubscription, pushSupport, subscribePush, unsubscribePush } from '../push';
import { navigate } from '../router';
import { toast, unread } from '../store';

export const PUSH_CATEGORIES: [string, string, string][] = [
  ['creature_found', 'New chatlings', '📚'],
  ['achievement', 'Achievements', '🏅'],
  ['daily_box_ready', 'Daily box is ready', '🎁'],
  ['new_chatroom', 'New chatrooms', '💬'],
  ['runaway', 'Runaways', '🏃'],
  ['system', 'News from the team', '📣'],
];
const ICON: Record<string, string> = Object.fromEntries(PUSH_CATEGORIES.map(([k, , i]) => [k, i]));

function linkOf(n: any): string | null {
  const d = n.data ?? {};
  if (typeof d.url === 'string' && d.url.startsWith('/') && !d.url.startsWith('//')) return d.url;
  if (d.creature_id) return `/creature/${d.creature_id}`;
  if (d.chatroom_id) return `/chat/${d.chatroom_id}`;
  if (n.category === 'achievement') return '/achievements';
  if (n.category === 'daily_box_ready') return '/box';
  if (n.category === 'new_chatroom') return '/chat';
  if (n.category === 'runaway') return '/runaways';
  return null;
}

function PushCard() {
  const support = pushSupport();
  const [on, setOn] = useState<boolean | null>(null);
  const [prefs, setPrefs] = useState<Record<string, boolean> | null>(null);
  const [missing, setMissing] = useState(false);
  const { busy, run } = useAction();
  useEffect(() => {
    currentSubscription().then((s) => setOn(!!s)).catch(() => setOn(false));
    get('/api/push/preferences')
      .then((r) => setPrefs(r?.preferences ?? r))
      .catch((e: ApiError) => e.missing && setMissing(true));
  }, []);
  if (missing) return null;
  async function toggle() {
    await run(async () => {
      try {
        if (on) {
          await unsubscribePush();
          setOn(false);
          toast('Push notifications are off on this device.', 'info');
        } else {
          await subscribePush();
          setOn(true);
          toast('Push notifications are on! 🔔', 'good');
        }
      } catch (e) {
        toast((e as Error).message, 'bad', 6000);
      }
    });
  }
  async function setPref(k: string, v: boolean) {
    const next = { ...(prefs ?? {}), [k]: v };
    setPrefs(next);
    try {
      const r = await put('/api/push/preferences', next);
      if (r?.preferences) setPrefs(r.preferences);
    } catch (e) {
      toast((e as ApiError).message, 'bad');
    }
  }
  return (
    <div class="card push-card">
      <div class="push-head">
        <div>
          <h2>Push notifications</h2>
          <p class="muted">
            {support === 'unsupported' ? 'This browser cannot receive push notifications. Install the app or try another browser.'
              : support === 'denied' ? 'Notifications are blocked for Chatlings in your browser settings.'
              : on ? 'This device gets a ping when something happens.' : 'Get a ping when your box is ready or a chatling finds you.'}
          </p>
        </div>
        {support !== 'unsupported' && support !== 'denied' && (
          <button type="button" class={`switch ${on ? 'is-on' : ''}`} role="switch" aria-checked={!!on} aria-label="Push notifications on this device" disabled={busy || on === null} onClick={toggle}>
            <span class="switch-knob" />
          </button>
        )}
      </div>
      {prefs && (
        <fieldset class="prefs">
          <legend class="sr-only">What to be told about</legend>
          {PUSH_CATEGORIES.map(([k, label, icon]) => (
            <label class="pref" key={k}>
              <input type="checkbox" checked={prefs[k] !== false} onChange={(e) => setPref(k, (e.target as HTMLInputElement).checked)} />
              <span aria-hidden="true">{icon}</span> {label}
            </label>
          ))}
        </fieldset>
      )}
    </div>
  );
}

export function Notifications() {
  const st = useApi<any>('/api/user/notifications?limit=50');
  const { busy, run } = useAction();
  const list = listOf<any>(st.data, 'notifications', 'items');
  const unreadN = list.filter((n) => !n.read_at).length;
  async function markAll() {
    await run(async () => {
      try {
        await post('/api/user/notifications/read', { all: true });
        unread.set(0);
        await st.reload();
      } catch (e) {
        toast((e as ApiError).message, 'bad');
      }
    });
  }
  async function open(n: any) {
    if (!n.read_at) {
      post('/api/user/notifications/read', { ids: [n.id] }).then(refreshUnread).catch(() => {});
      st.setData({ ...st.data, notifications: list.map((x) => (x.id === n.id ? { ...x, read_at: new Date().toISOString() } : x)) });
    }
    const to = linkOf(n);
    if (to) navigate(to);
  }
  return (
    <Screen title="Notifications" back="/me"
      actions={unreadN > 0 ? <button class="btn btn-small btn-secondary" type="button" disabled={busy} onClick={markAll}>Mark all read</button> : undefined}>
      <PushCard />
      <Gate state={st} what="Notifications">
        {() =>
          list.length ? (
            <ul class="notes">
              {list.map((n) => (
                <li key={n.id}>
                  <button type="button" class={`card note ${n.read_at ? '' : 'is-unread'}`} onClick={() => open(n)}>
                    <span class="note-icon" aria-hidden="true">{ICON[n.category] ?? '🔔'}</span>
                    <span class="note-main">
                      <strong>{n.title}</strong>
                      {n.body && <span>{n.body}</span>}
                      <span class="muted note-time">{timeAgo(n.created_at)}</span>
                    </span>
                    {!n.read_at && <span class="note-dot"><span class="sr-only">unread</span></span>}
                  </button>
                </li>
              ))}
            </ul>
          ) : (
            <Empty icon="📭" title="All quiet"><p>News about your chatlings will show up here.</p></Empty>
          )
        }
      </Gate>
    </Screen>
  );
}
