// players: search players, one player's page, suspend (ends every session at once) or lift
// it, grant or revoke the admin role. You cannot suspend or demote yourself.
import { useState } from 'preact/hooks';
import { enc, get, post, put, qs } from '../api';
import { go, href, type Route } from '../router';
import type { Me } from '../session';
import { Act, Badge, Loading, Modal, Notice, Pager, Problem, RarityBadge, useLoad } from '../ui';
import { ago, label, num, when } from '../util';

type Row = { id: string; username: string; is_admin: boolean; created_at: string; last_seen_at: string | null; suspended_at: string | null; creatures: number };
type Player = Row & {
  email: string | null; google_linked: boolean; motes: number; suspended_reason: string | null; achievements: number;
  finds_by_source: Record<string, number>;
  current_chatling: { id: string; name: string; rarity: string } | null;
  recent_admin_actions: { id: number; action: string; actor: string | null; created_at: string }[];
};

export function Players({ route, me }: { route: Route; me: Me }) {
  return route.id ? <PlayerPage id={route.id} me={me} /> : <PlayerList route={route} />;
}

function PlayerList({ route }: { route: Route }) {
  const p = route.params;
  const [q, setQ] = useState(p.get('q') || '');
  const filters = { q: p.get('q') || '', status: p.get('status') || '' };
  const page = Number(p.get('page') || 1);
  const list = useLoad(() => get<{ players: Row[]; total: number; limit: number; page: number }>(
    `/api/admin/players${qs({ ...filters, page, limit: 25 })}`), [p.toString()]);
  const set = (k: string, v: string) => go(href('players', null, { ...filters, [k]: v, page: '' }));
  return (
    <section class="screen">
      <header class="screen-head"><h1>Players</h1></header>
      <form class="filters" role="search" onSubmit={(e) => { e.preventDefault(); set('q', q.trim()); }}>
        <label>Search <input type="search" name="q" value={q} maxLength={64} placeholder="username, id or email"
          onInput={(e) => setQ((e.target as HTMLInputElement).value)} /></label>
        <label>Show
          <select name="status" value={filters.status} onChange={(e) => set('status', (e.target as HTMLSelectElement).value)}>
            <option value="">Everyone</option><option value="active">Not suspended</option>
            <option value="suspended">Suspended</option><option value="admins">Admins</option>
          </select>
        </label>
        <button type="submit" class="btn primary">Search</button>
      </form>
      <Problem text={list.error} onRetry={list.reload} />
      {list.loading && !list.data ? <Loading /> : list.data && (
        <>
          <table class="list">
            <thead><tr><th scope="col">Player</th><th scope="col">Joined</th><th scope="col">Last seen</th><th scope="col" class="num">Creatures</th><th scope="col">Status</th></tr></thead>
            <tbody>
              {list.data.players.map((u) => (
                <tr>
                  <td><a href={href('players', u.id)}>{u.username}</a> {u.is_admin && <Badge kind="admin">Admin</Badge>}</td>
                  <td>{when(u.created_at)}</td>
                  <td>{ago(u.last_seen_at)}</td>
                  <td class="num">{num(u.creatures)}</td>
                  <td>{u.suspended_at ? <Badge kind="deleted">Suspended</Badge> : <Badge kind="ok">Active</Badge>}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {list.data.players.length === 0 && <p class="empty">No player matches.</p>}
          <Pager page={list.data.page} limit={list.data.limit} total={list.data.total}
            onPage={(n) => go(href('players', null, { ...filters, page: String(n) }))} />
        </>
      )}
    </section>
  );
}

function PlayerPage({ id, me }: { id: string; me: Me }) {
  const pl = useLoad(() => get<{ player: Player }>(`/api/admin/players/${enc(id)}`).then((r) => r.player), [id]);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [suspending, setSuspending] = useState(false);
  const [reason, setReason] = useState('');
  if (!pl.data) return pl.error ? <Problem text={pl.error} onRetry={pl.reload} /> : <Loading />;
  const u = pl.data;
  const self = u.id === me.id;
  const done = (msg: string) => (r: { player: Player }) => { pl.set(r.player); setError(null); setNotice(msg); };
  return (
    <section class="screen player">
      <p class="crumbs"><a href={href('players')}>Players</a> › {u.username}</p>
      <header class="screen-head">
        <h1>{u.username}</h1>
        {u.is_admin && <Badge kind="admin">Admin</Badge>}
        {u.suspended_at ? <Badge kind="deleted">Suspended</Badge> : <Badge kind="ok">Active</Badge>}
      </header>
      <Problem text={error} />
      <Notice text={notice} />
      <div class="two">
        <div class="card">
          <h2>Account</h2>
          <dl class="facts">
            <dt>Id</dt><dd class="mono">{u.id}</dd>
            <dt>Email</dt><dd>{u.email || '–'}</dd>
            <dt>Google</dt><dd>{u.google_linked ? 'linked' : 'not linked'}</dd>
            <dt>Joined</dt><dd>{when(u.created_at)}</dd>
            <dt>Last seen</dt><dd>{ago(u.last_seen_at)}</dd>
            <dt>Motes</dt><dd>{num(u.motes)}</dd>
            <dt>Creatures</dt><dd>{num(u.creatures)}</dd>
            <dt>Achievements</dt><dd>{num(u.achievements)}</dd>
            <dt>Current chatling</dt>
            <dd>{u.current_chatling ? <><a href={href('creatures', u.current_chatling.id)}>{u.current_chatling.name}</a> <RarityBadge rarity={u.current_chatling.rarity} /></> : '–'}</dd>
            <dt>Finds</dt>
            <dd>{Object.keys(u.finds_by_source).length ? Object.entries(u.finds_by_source).map(([k, v]) => `${label(k)} ${v}`).join(' · ') : '–'}</dd>
            {u.suspended_at && <><dt>Suspended</dt><dd>{when(u.suspended_at)}{u.suspended_reason && <> — “{u.suspended_reason}”</>}</dd></>}
          </dl>
          <div class="actions">
            {u.suspended_at
              ? <Act kind="primary" run={() => post<{ player: Player }>(`/api/admin/players/${enc(id)}/unsuspend`).then(done('Suspension lifted.'))} onError={setError}>Lift suspension</Act>
              : <button type="button" class="btn danger" disabled={self} title={self ? 'You cannot suspend yourself' : undefined} onClick={() => setSuspending(true)}>Suspend…</button>}
            {u.is_admin
              ? <Act disabled={self} title={self ? 'You cannot take away your own admin role' : undefined}
                  run={() => put<{ player: Player }>(`/api/admin/players/${enc(id)}/admin`, { is_admin: false }).then(done('Admin role revoked.'))} onError={setError}>Revoke admin</Act>
              : <Act run={() => put<{ player: Player }>(`/api/admin/players/${enc(id)}/admin`, { is_admin: true }).then(done('Admin role granted.'))} onError={setError}>Grant admin</Act>}
          </div>
        </div>
        <div class="card">
          <h2>Recent admin actions</h2>
          {u.recent_admin_actions.length === 0 ? <p class="muted">None.</p> : (
            <ul class="timeline">
              {u.recent_admin_actions.map((a) => <li><strong>{label(a.action)}</strong> by {a.actor || 'the CLI'} · {when(a.created_at)}</li>)}
            </ul>
          )}
          <a href={href('audit', null, { target: `user:${u.id}` })}>Full history in the audit log</a>
        </div>
      </div>
      {suspending && (
        <Modal title={`Suspend ${u.username}`} onClose={() => setSuspending(false)}>
          <p>They are signed out everywhere at once and cannot sign in, play or chat until the suspension is lifted.</p>
          <label>Reason (kept in the audit log)
            <textarea name="reason" required maxLength={500} rows={3} value={reason} onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)} />
          </label>
          <div class="actions">
            <Act kind="danger" disabled={!reason.trim()} run={() => post<{ player: Player }>(`/api/admin/players/${enc(id)}/suspend`, { reason: reason.trim() })
              .then((r) => { done('Suspended: every session has ended.')(r); setSuspending(false); setReason(''); })} onError={setError}>Suspend</Act>
            <button type="button" class="btn" onClick={() => setSuspending(false)}>Cancel</button>
          </div>
        </Modal>
      )}
    </section>
  );
}
