// chatrooms: the rooms (open one now, close or reopen it, feature a video), the topics and
// videos queued for the worker's next rooms, and live-chat moderation: reported lines (hide
// them), and muted players (mute, lift). Moderation and the queue are api/chat_admin.c's.
import { useState } from 'preact/hooks';
import { del, enc, get, patch, post, qs } from '../api';
import { go, href, type Route } from '../router';
import { Act, Badge, Loading, Modal, Notice, Pager, Problem, errorText, useLoad } from '../ui';
import { num, videoId, when } from '../util';

type Room = {
  id: string; title: string; topic: string | null; youtube_video_id: string | null; is_active: boolean;
  created_at: string; closes_at: string | null; open: boolean; messages: number; open_reports: number;
};
type Report = {
  message: { id: number; room_id: string; text: string; user_id: string; username: string; created_at: string; hidden: boolean };
  reporter: string; reason: string; created_at: string; resolved_at: string | null;
};
type Mute = { user_id: string; username: string; muted_until: string | null; reason: string; created_at: string; muted_by: string | null };
type Feature = { id: number; title: string; topic: string; youtube_video_id: string | null; open_on: string | null; created_at: string; used_at: string | null; room_id: string | null };

const TABS = [
  { id: 'rooms', title: 'Rooms' },
  { id: 'reports', title: 'Reports' },
  { id: 'mutes', title: 'Muted players' },
  { id: 'featured', title: 'Featured topics' },
];

export function Chatrooms({ route }: { route: Route }) {
  const tab = route.params.get('tab') || 'rooms';
  return (
    <section class="screen">
      <header class="screen-head"><h1>Chatrooms</h1></header>
      <nav class="tabs" aria-label="Chatroom sections">
        {TABS.map((t) => (
          <a href={href('chatrooms', null, { tab: t.id })} class={tab === t.id ? 'active' : ''} aria-current={tab === t.id ? 'page' : undefined}>{t.title}</a>
        ))}
      </nav>
      {tab === 'reports' ? <Reports /> : tab === 'mutes' ? <Mutes /> : tab === 'featured' ? <Featured /> : <Rooms route={route} />}
    </section>
  );
}

function Rooms({ route }: { route: Route }) {
  const status = route.params.get('status') || 'open';
  const page = Number(route.params.get('page') || 1);
  const list = useLoad(() => get<{ chatrooms: Room[]; total: number; limit: number; page: number }>(
    `/api/admin/chatrooms${qs({ status, page, limit: 25 })}`), [status, page]);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [feature, setFeature] = useState<Room | null>(null);
  const nav = (p: Record<string, string>) => go(href('chatrooms', null, { tab: 'rooms', status, ...p }));
  const toggle = (r: Room) => patch<{ chatroom: Room }>(`/api/admin/chatrooms/${enc(r.id)}`, { is_active: !r.is_active })
    .then((x) => { setNotice(`${x.chatroom.title} ${x.chatroom.is_active ? 'reopened' : 'closed'}.`); list.reload(); });
  return (
    <>
      <Problem text={error} />
      <Notice text={notice} />
      <OpenRoom onOpened={(r) => { setNotice(`${r.title} is open.`); list.reload(); }} onError={setError} />
      <div class="filters">
        <label>Show
          <select name="status" value={status} onChange={(e) => nav({ status: (e.target as HTMLSelectElement).value })}>
            <option value="open">Open rooms</option>
            <option value="closed">Closed rooms</option>
            <option value="all">All rooms</option>
          </select>
        </label>
      </div>
      <Problem text={list.error} onRetry={list.reload} />
      {list.loading && !list.data ? <Loading /> : list.data && (
        <>
          <table class="list">
            <thead><tr><th scope="col">Room</th><th scope="col">Video</th><th scope="col">Opened</th><th scope="col">Closes</th>
              <th scope="col" class="num">Messages</th><th scope="col" class="num">Reports</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {list.data.chatrooms.map((r) => (
                <tr>
                  <td><strong>{r.title}</strong> {r.open ? <Badge kind="ok">Open</Badge> : <Badge kind="off">Closed</Badge>}
                    {r.topic && <><br /><span class="muted small">{r.topic}</span></>}</td>
                  <td>{r.youtube_video_id ? <span class="mono">{r.youtube_video_id}</span> : <span class="muted">–</span>}</td>
                  <td>{when(r.created_at)}</td>
                  <td>{when(r.closes_at)}</td>
                  <td class="num">{num(r.messages)}</td>
                  <td class="num">{r.open_reports ? <a class="warn" href={href('chatrooms', null, { tab: 'reports' })}>{num(r.open_reports)}</a> : '0'}</td>
                  <td class="rowactions">
                    <button type="button" class="btn small" onClick={() => setFeature(r)}>Feature video…</button>
                    <Act small kind={r.is_active ? 'danger' : 'plain'} run={() => toggle(r)} onError={setError}>{r.is_active ? 'Close' : 'Reopen'}</Act>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {list.data.chatrooms.length === 0 && <p class="empty">No rooms here.</p>}
          <Pager page={list.data.page} limit={list.data.limit} total={list.data.total} onPage={(n) => nav({ page: String(n) })} />
        </>
      )}
      {feature && <FeatureVideo room={feature} onClose={() => setFeature(null)}
        onDone={(r) => { setFeature(null); setNotice(r.youtube_video_id ? `${r.title} now features ${r.youtube_video_id}.` : `${r.title} features no video.`); list.reload(); }} />}
    </>
  );
}

function FeatureVideo({ room, onClose, onDone }: { room: Room; onClose: () => void; onDone: (r: Room) => void }) {
  const [v, setV] = useState(room.youtube_video_id || '');
  const [error, setError] = useState<string | null>(null);
  const id = v.trim() ? videoId(v) : null;
  const save = (value: string | null) => patch<{ chatroom: Room }>(`/api/admin/chatrooms/${enc(room.id)}`, { youtube_video_id: value }).then((r) => onDone(r.chatroom));
  return (
    <Modal title={`Feature a video in ${room.title}`} onClose={onClose}>
      <Problem text={error} />
      <label>YouTube video (id or link)
        <input name="video" value={v} maxLength={200} onInput={(e) => setV((e.target as HTMLInputElement).value)} placeholder="https://www.youtube.com/watch?v=…" />
      </label>
      {v.trim() && !id && <p class="hint">That is not a YouTube video id or link.</p>}
      <div class="actions">
        <Act kind="primary" disabled={!id} run={() => save(id)} onError={setError}>Feature</Act>
        {room.youtube_video_id && <Act run={() => save(null)} onError={setError}>Remove the video</Act>}
        <button type="button" class="btn" onClick={onClose}>Cancel</button>
      </div>
    </Modal>
  );
}

function OpenRoom({ onOpened, onError }: { onOpened: (r: Room) => void; onError: (m: string) => void }) {
  const [title, setTitle] = useState('');
  const [topic, setTopic] = useState('');
  const [video, setVideo] = useState('');
  const [hours, setHours] = useState('24');
  const [busy, setBusy] = useState(false);
  const vid = video.trim() ? videoId(video) : null;
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      const r = await post<{ chatroom: Room }>('/api/admin/chatrooms', {
        title: title.trim(), topic: topic.trim() || null, youtube_video_id: vid, closes_in_hours: hours ? Number(hours) : null,
      });
      setTitle(''); setTopic(''); setVideo('');
      onOpened(r.chatroom);
    } catch (err) {
      onError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card openroom" onSubmit={submit} aria-label="Open a room">
      <h2>Open a room now</h2>
      <div class="row">
        <label>Title <input name="title" required maxLength={120} value={title} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} /></label>
        <label>Topic <input name="topic" maxLength={500} value={topic} onInput={(e) => setTopic((e.target as HTMLInputElement).value)} /></label>
      </div>
      <div class="row">
        <label>YouTube video (optional) <input name="video" maxLength={200} value={video} onInput={(e) => setVideo((e.target as HTMLInputElement).value)} /></label>
        <label>Closes after
          <select name="hours" value={hours} onChange={(e) => setHours((e.target as HTMLSelectElement).value)}>
            <option value="6">6 hours</option><option value="24">1 day</option><option value="72">3 days</option>
            <option value="168">1 week</option><option value="">Until closed</option>
          </select>
        </label>
      </div>
      {video.trim() && !vid && <p class="hint">That is not a YouTube video id or link.</p>}
      <button type="submit" class="btn primary" disabled={busy || !title.trim() || (!!video.trim() && !vid)}>{busy ? '…' : 'Open room'}</button>
    </form>
  );
}

function Reports() {
  const [all, setAll] = useState(false);
  const [page, setPage] = useState(1);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [muting, setMuting] = useState<string | null>(null);
  const list = useLoad(() => get<{ reports: Report[]; total: number; limit: number; page: number }>(
    `/api/admin/chat/reports${qs({ all: all ? 1 : '', page, limit: 50 })}`), [all, page]);
  return (
    <>
      <Problem text={error} />
      <Notice text={notice} />
      <div class="filters">
        <label class="check"><input type="checkbox" checked={all} onChange={(e) => { setPage(1); setAll((e.target as HTMLInputElement).checked); }} /> Include resolved reports</label>
      </div>
      <Problem text={list.error} onRetry={list.reload} />
      {list.loading && !list.data ? <Loading /> : list.data && (
        <>
          <table class="list">
            <thead><tr><th scope="col">Message</th><th scope="col">Reported by</th><th scope="col">When</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {list.data.reports.map((r) => (
                <tr>
                  <td>
                    <blockquote class="chatline">{r.message.text}</blockquote>
                    <span class="small">by <a href={href('players', r.message.user_id)}>{r.message.username}</a> · {when(r.message.created_at)}</span>
                    {r.message.hidden && <> <Badge kind="off">Hidden</Badge></>}
                  </td>
                  <td>{r.reporter}{r.reason && <><br /><span class="muted small">“{r.reason}”</span></>}</td>
                  <td>{when(r.created_at)}{r.resolved_at && <><br /><Badge kind="ok">Resolved</Badge></>}</td>
                  <td class="rowactions">
                    {!r.message.hidden && <Act small kind="danger" run={() => post(`/api/admin/chat/messages/${r.message.id}/hide`).then(() => { setNotice('Message hidden.'); list.reload(); })} onError={setError}>Hide message</Act>}
                    <button type="button" class="btn small" onClick={() => setMuting(r.message.username)}>Mute {r.message.username}…</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {list.data.reports.length === 0 && <p class="empty">No reports to review.</p>}
          <Pager page={list.data.page} limit={list.data.limit} total={list.data.total} onPage={setPage} />
        </>
      )}
      {muting && <MuteDialog username={muting} onClose={() => setMuting(null)} onDone={() => { setMuting(null); setNotice(`${muting} is muted.`); }} />}
    </>
  );
}

function MuteDialog({ username, onClose, onDone }: { username: string; onClose: () => void; onDone: () => void }) {
  const [minutes, setMinutes] = useState('1440');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <Modal title={`Mute ${username}`} onClose={onClose}>
      <Problem text={error} />
      <label>For
        <select name="minutes" value={minutes} onChange={(e) => setMinutes((e.target as HTMLSelectElement).value)}>
          <option value="60">1 hour</option><option value="1440">1 day</option><option value="10080">1 week</option><option value="">Until lifted</option>
        </select>
      </label>
      <label>Reason <input name="reason" maxLength={500} value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} /></label>
      <div class="actions">
        <Act kind="danger" run={() => post('/api/admin/chat/mutes', { username, minutes: minutes ? Number(minutes) : null, reason: reason.trim() || null }).then(onDone)} onError={setError}>Mute</Act>
        <button type="button" class="btn" onClick={onClose}>Cancel</button>
      </div>
    </Modal>
  );
}

function Mutes() {
  const list = useLoad(() => get<{ mutes: Mute[] }>('/api/admin/chat/mutes').then((r) => r.mutes), []);
  const [error, setError] = useState<string | null>(null);
  const [muting, setMuting] = useState(false);
  const [name, setName] = useState('');
  return (
    <>
      <Problem text={error || list.error} />
      <form class="filters" onSubmit={(e) => { e.preventDefault(); if (name.trim()) setMuting(true); }}>
        <label>Mute a player <input name="username" maxLength={64} value={name} placeholder="username" onInput={(e) => setName((e.target as HTMLInputElement).value)} /></label>
        <button type="submit" class="btn">Mute…</button>
      </form>
      {!list.data ? <Loading /> : (
        <table class="list">
          <thead><tr><th scope="col">Player</th><th scope="col">Until</th><th scope="col">Reason</th><th scope="col">By</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {list.data.map((m) => (
              <tr>
                <td><a href={href('players', m.user_id)}>{m.username}</a></td>
                <td>{m.muted_until ? when(m.muted_until) : 'until lifted'}</td>
                <td>{m.reason || <span class="muted">–</span>}</td>
                <td>{m.muted_by || <span class="muted">–</span>}</td>
                <td><Act small run={() => del(`/api/admin/chat/mutes/${enc(m.user_id)}`).then(list.reload)} onError={setError}>Lift</Act></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.data?.length === 0 && <p class="empty">Nobody is muted.</p>}
      {muting && <MuteDialog username={name.trim()} onClose={() => setMuting(false)} onDone={() => { setMuting(false); setName(''); list.reload(); }} />}
    </>
  );
}

function Featured() {
  const list = useLoad(() => get<{ features: Feature[] }>('/api/admin/chat/features').then((r) => r.features), []);
  const [error, setError] = useState<string | null>(null);
  const [title, setTitle] = useState('');
  const [topic, setTopic] = useState('');
  const [video, setVideo] = useState('');
  const [day, setDay] = useState('');
  const vid = video.trim() ? videoId(video) : null;
  const add = () => post('/api/admin/chat/features', {
    title: title.trim(), topic: topic.trim() || null, youtube_video_id: vid, open_on: day || null,
  }).then(() => { setTitle(''); setTopic(''); setVideo(''); setDay(''); list.reload(); });
  return (
    <>
      <p class="muted">The worker opens the next day's rooms around these (each once), before its own topics.</p>
      <Problem text={error || list.error} />
      <form class="card" onSubmit={(e) => e.preventDefault()} aria-label="Feature a topic">
        <h2>Feature a topic or video</h2>
        <div class="row">
          <label>Title <input name="title" maxLength={120} value={title} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} /></label>
          <label>Topic <input name="topic" maxLength={500} value={topic} onInput={(e) => setTopic((e.target as HTMLInputElement).value)} /></label>
        </div>
        <div class="row">
          <label>YouTube video <input name="video" maxLength={200} value={video} onInput={(e) => setVideo((e.target as HTMLInputElement).value)} /></label>
          <label>On day (optional) <input name="open_on" type="date" value={day} onInput={(e) => setDay((e.target as HTMLInputElement).value)} /></label>
        </div>
        <Act kind="primary" disabled={!title.trim() || (!!video.trim() && !vid)} run={add} onError={setError}>Add</Act>
      </form>
      {!list.data ? <Loading /> : (
        <table class="list">
          <thead><tr><th scope="col">Title</th><th scope="col">Video</th><th scope="col">Day</th><th scope="col">Used</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {list.data.map((f) => (
              <tr>
                <td><strong>{f.title}</strong>{f.topic && <><br /><span class="muted small">{f.topic}</span></>}</td>
                <td>{f.youtube_video_id ? <span class="mono">{f.youtube_video_id}</span> : <span class="muted">–</span>}</td>
                <td>{f.open_on || 'next free'}</td>
                <td>{f.used_at ? when(f.used_at) : <Badge kind="off">Waiting</Badge>}</td>
                <td>{!f.used_at && <Act small kind="danger" run={() => del(`/api/admin/chat/features/${f.id}`).then(list.reload)} onError={setError}>Remove</Act>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
