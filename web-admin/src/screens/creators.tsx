// creators: creator chatlings: a YouTube channel's own creature, which everyone who likes one of
// the channel's videos gets. Map a channel (id and title) to a creature found by name.
import { useState } from 'preact/hooks';
import { del, enc, get, put, qs } from '../api';
import { href } from '../router';
import { Act, Badge, Loading, Notice, Pager, Problem, RarityBadge, errorText, useLoad } from '../ui';
import { when } from '../util';

type Creator = {
  channel_id: string; channel_title: string | null; created_by: string | null; created_at: string;
  creature: { id: string; name: string; rarity: string; deleted: boolean; is_active: boolean };
};
type Found = { id: string; name: string; rarity: string; is_active: boolean; deleted_at: string | null };

export function Creators() {
  const [q, setQ] = useState('');
  const [search, setSearch] = useState('');
  const [page, setPage] = useState(1);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const list = useLoad(() => get<{ creators: Creator[]; total: number; limit: number; page: number }>(
    `/api/admin/creators${qs({ q: search, page, limit: 50 })}`), [search, page]);
  return (
    <section class="screen">
      <header class="screen-head"><h1>Creator chatlings</h1></header>
      <p class="muted">Everyone who likes a video of a mapped channel gets that channel's creature (instead of the video's daily one).</p>
      <Problem text={error} />
      <Notice text={notice} />
      <MapForm onMapped={(c) => { setNotice(`${c.channel_id} now gives ${c.creature_name}.`); setError(null); list.reload(); }} onError={setError} />
      <form class="filters" role="search" onSubmit={(e) => { e.preventDefault(); setPage(1); setSearch(q.trim()); }}>
        <label>Search <input type="search" name="q" value={q} maxLength={64} placeholder="channel id, title or creature"
          onInput={(e) => setQ((e.target as HTMLInputElement).value)} /></label>
        <button type="submit" class="btn">Search</button>
      </form>
      <Problem text={list.error} onRetry={list.reload} />
      {list.loading && !list.data ? <Loading /> : list.data && (
        <>
          <table class="list">
            <thead><tr><th scope="col">Channel</th><th scope="col">Creature</th><th scope="col">Mapped by</th><th scope="col">When</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {list.data.creators.map((c) => (
                <tr>
                  <td><strong>{c.channel_title || '(no title)'}</strong><br /><span class="mono small">{c.channel_id}</span></td>
                  <td>
                    <a href={href('creatures', c.creature.id)}>{c.creature.name}</a> <RarityBadge rarity={c.creature.rarity} />
                    {c.creature.deleted && <> <Badge kind="deleted">Deleted</Badge></>}
                    {!c.creature.deleted && !c.creature.is_active && <> <Badge kind="off">Inactive</Badge></>}
                  </td>
                  <td>{c.created_by || <span class="muted">–</span>}</td>
                  <td>{when(c.created_at)}</td>
                  <td><Act small kind="danger" run={() => del(`/api/admin/creators/${enc(c.channel_id)}`).then(() => { setNotice(`${c.channel_id} unmapped.`); list.reload(); })}
                    onError={setError}>Remove</Act></td>
                </tr>
              ))}
            </tbody>
          </table>
          {list.data.creators.length === 0 && <p class="empty">No creator chatlings yet.</p>}
          <Pager page={list.data.page} limit={list.data.limit} total={list.data.total} onPage={setPage} />
        </>
      )}
    </section>
  );
}

function MapForm({ onMapped, onError }: { onMapped: (c: { channel_id: string; creature_name: string }) => void; onError: (m: string) => void }) {
  const [channel, setChannel] = useState('');
  const [title, setTitle] = useState('');
  const [name, setName] = useState('');
  const [found, setFound] = useState<Found[]>([]);
  const [pick, setPick] = useState<Found | null>(null);
  const [busy, setBusy] = useState(false);
  const find = async () => {
    try {
      const r = await get<{ creatures: Found[] }>(`/api/admin/creatures${qs({ q: name.trim(), status: 'active', limit: 8 })}`);
      setFound(r.creatures);
    } catch (e) {
      onError(errorText(e));
    }
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!pick) return;
    setBusy(true);
    try {
      await put(`/api/admin/creators/${enc(channel.trim())}`, { creature_id: pick.id, channel_title: title.trim() || null });
      onMapped({ channel_id: channel.trim(), creature_name: pick.name });
      setChannel('');
      setTitle('');
      setPick(null);
      setFound([]);
      setName('');
    } catch (err) {
      onError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card mapform" onSubmit={submit} aria-label="Map a channel">
      <h2>Map a channel</h2>
      <div class="row">
        <label>Channel id <input name="channel_id" required pattern="[A-Za-z0-9_-]{1,64}" maxLength={64} placeholder="UC…" value={channel}
          onInput={(e) => setChannel((e.target as HTMLInputElement).value)} /></label>
        <label>Channel title <input name="channel_title" maxLength={200} value={title} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} /></label>
      </div>
      <div class="row">
        <label>Creature <input name="creature_search" type="search" maxLength={64} value={name} placeholder="find by name"
          onInput={(e) => setName((e.target as HTMLInputElement).value)}
          onKeyDown={(e) => { if (e.key === 'Enter') { e.preventDefault(); find(); } }} /></label>
        <button type="button" class="btn" onClick={find} disabled={!name.trim()}>Find</button>
      </div>
      {found.length > 0 && (
        <ul class="picklist" role="listbox" aria-label="Creatures found">
          {found.map((c) => (
            <li role="option" aria-selected={pick?.id === c.id}>
              <button type="button" class={pick?.id === c.id ? 'picked' : ''} onClick={() => setPick(c)}>
                {c.name} <RarityBadge rarity={c.rarity} />
              </button>
            </li>
          ))}
        </ul>
      )}
      <button type="submit" class="btn primary" disabled={busy || !pick || !channel.trim()}>
        {busy ? '…' : pick ? `Map to ${pick.name}` : 'Pick a creature'}
      </button>
    </form>
  );
}
