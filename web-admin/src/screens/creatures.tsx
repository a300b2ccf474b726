// creatures: search the whole catalogue (inactive and deleted creatures too), then one
// creature's page: rename, rarity, activate or deactivate, re-roll traits, artwork upload, and a
// soft delete that first shows the players who own it. Every change is audited by the server.
import { useState } from 'preact/hooks';
import { del, enc, get, patch, post, qs, upload } from '../api';
import { go, href, type Route } from '../router';
import { Act, Badge, Bar, Loading, Modal, Notice, Pager, Problem, RarityBadge, errorText, useLoad } from '../ui';
import { RARITIES, TRAITS, cap, num, when } from '../util';

type Row = {
  id: string; seq: number; name: string; short_name: string; body_type: string; rarity: string;
  is_active: boolean; deleted_at: string | null; has_artwork: boolean; owners: number;
};
type Creature = Row & {
  body_type_id: number; colour_scheme: string; vibe: string; art_key: string | null; thumb_key: string | null;
  created_at: string; updated_at: string; traits?: Record<string, number>; scores?: Record<string, number>;
  creator_channels: { channel_id: string; channel_title: string | null }[];
};
type Affected = {
  owners: number; with_player: number; current_chatling_of: number; creator_channels: string[];
  players: { id: string; username: string; found_count: number; source: string; current: boolean }[];
};

export function Status({ c }: { c: { is_active: boolean; deleted_at: string | null } }) {
  if (c.deleted_at) return <Badge kind="deleted">Deleted</Badge>;
  return c.is_active ? <Badge kind="ok">Active</Badge> : <Badge kind="off">Inactive</Badge>;
}

export function Creatures({ route }: { route: Route }) {
  return route.id ? <CreaturePage id={route.id} /> : <CreatureList route={route} />;
}

function CreatureList({ route }: { route: Route }) {
  const p = route.params;
  const [q, setQ] = useState(p.get('q') || '');
  const filters = { q: p.get('q') || '', rarity: p.get('rarity') || '', status: p.get('status') || '', body_type: p.get('body_type') || '' };
  const page = Number(p.get('page') || 1);
  const list = useLoad(() => get<{ creatures: Row[]; total: number; limit: number; page: number }>(
    `/api/admin/creatures${qs({ ...filters, page, limit: 25 })}`), [route.params.toString()]);
  const types = useLoad(() => get<{ body_types: { id: number; name: string }[] }>('/api/admin/body-types'), []);
  const set = (k: string, v: string) => go(href('creatures', null, { ...filters, [k]: v, page: '' }));
  return (
    <section class="screen">
      <header class="screen-head"><h1>Creatures</h1></header>
      <form class="filters" role="search" onSubmit={(e) => { e.preventDefault(); set('q', q.trim()); }}>
        <label>Search <input name="q" type="search" value={q} maxLength={64} placeholder="name, short name or id"
          onInput={(e) => setQ((e.target as HTMLInputElement).value)} /></label>
        <label>Rarity
          <select name="rarity" value={filters.rarity} onChange={(e) => set('rarity', (e.target as HTMLSelectElement).value)}>
            <option value="">Any</option>
            {RARITIES.map((r) => <option value={r}>{r}</option>)}
          </select>
        </label>
        <label>Body type
          <select name="body_type" value={filters.body_type} onChange={(e) => set('body_type', (e.target as HTMLSelectElement).value)}>
            <option value="">Any</option>
            {types.data?.body_types.map((b) => <option value={String(b.id)}>{b.name}</option>)}
          </select>
        </label>
        <label>Status
          <select name="status" value={filters.status} onChange={(e) => set('status', (e.target as HTMLSelectElement).value)}>
            <option value="">All</option>
            <option value="active">Active</option>
            <option value="inactive">Inactive</option>
            <option value="deleted">Deleted</option>
          </select>
        </label>
        <button type="submit" class="btn primary">Search</button>
      </form>
      <Problem text={list.error} onRetry={list.reload} />
      {list.loading && !list.data ? <Loading /> : list.data && (
        <>
          <table class="list">
            <thead><tr>
              <th scope="col" class="num">#</th><th scope="col">Name</th><th scope="col">Body type</th>
              <th scope="col">Rarity</th><th scope="col">Status</th><th scope="col" class="num">Owners</th>
            </tr></thead>
            <tbody>
              {list.data.creatures.map((c) => (
                <tr>
                  <td class="num muted">{c.seq}</td>
                  <td><a href={href('creatures', c.id)}>{c.name}</a> <span class="muted">({c.short_name})</span></td>
                  <td>{c.body_type}</td>
                  <td><RarityBadge rarity={c.rarity} /></td>
                  <td><Status c={c} /></td>
                  <td class="num">{num(c.owners)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {list.data.creatures.length === 0 && <p class="empty">No creature matches.</p>}
          <Pager page={list.data.page} limit={list.data.limit} total={list.data.total}
            onPage={(n) => go(href('creatures', null, { ...filters, page: String(n) }))} />
        </>
      )}
    </section>
  );
}

function CreaturePage({ id }: { id: string }) {
  const c = useLoad(() => get<{ creature: Creature }>(`/api/admin/creatures/${enc(id)}`).then((r) => r.creature), [id]);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [confirmReroll, setConfirmReroll] = useState(false);
  const [artVersion, setArtVersion] = useState(0);
  if (!c.data) return c.error ? <Problem text={c.error} onRetry={c.reload} /> : <Loading />;
  const cr = c.data;
  const done = (msg: string) => (r: { creature: Creature }) => {
    c.set(r.creature);
    setError(null);
    setNotice(msg);
  };
  const change = (body: Record<string, unknown>, msg: string) =>
    patch<{ creature: Creature }>(`/api/admin/creatures/${enc(id)}`, body).then(done(msg));
  return (
    <section class="screen creature">
      <p class="crumbs"><a href={href('creatures')}>Creatures</a> › {cr.name}</p>
      <header class="screen-head">
        <h1>{cr.name}</h1>
        <RarityBadge rarity={cr.rarity} /> <Status c={cr} />
      </header>
      <Problem text={error} />
      <Notice text={notice} />
      <div class="two">
        <div class="card">
          <h2>Details</h2>
          <EditForm cr={cr} onSave={(body) => change(body, 'Saved.')} onError={setError} />
          <dl class="facts">
            <dt>Id</dt><dd class="mono">{cr.id}</dd>
            <dt>Catalogue #</dt><dd>{cr.seq}</dd>
            <dt>Body type</dt><dd>{cr.body_type}</dd>
            <dt>Colours</dt><dd>{cr.colour_scheme}</dd>
            <dt>Vibe</dt><dd>{cr.vibe}</dd>
            <dt>Owners</dt><dd>{num(cr.owners)}</dd>
            <dt>Creator chatling of</dt>
            <dd>{cr.creator_channels.length ? cr.creator_channels.map((ch) => ch.channel_title || ch.channel_id).join(', ') : '–'}</dd>
            <dt>Updated</dt><dd>{when(cr.updated_at)}</dd>
            {cr.deleted_at && <><dt>Deleted</dt><dd>{when(cr.deleted_at)}</dd></>}
          </dl>
          <div class="actions">
            {!cr.deleted_at && (cr.is_active
              ? <Act run={() => change({ is_active: false }, 'Deactivated: it is no longer handed out.')} onError={setError}>Deactivate</Act>
              : <Act run={() => change({ is_active: true }, 'Activated: it can be found again.')} onError={setError} kind="primary">Activate</Act>)}
            {cr.deleted_at
              ? <Act run={() => post<{ creature: Creature }>(`/api/admin/creatures/${enc(id)}/restore`).then(done('Restored to the catalogue.'))} onError={setError}>Restore</Act>
              : <button type="button" class="btn danger" onClick={() => setConfirmDelete(true)}>Delete…</button>}
          </div>
        </div>
        <div class="card">
          <h2>Traits</h2>
          {cr.traits ? (
            <table class="traits">
              <tbody>
                {TRAITS.map((t) => (
                  <tr><th scope="row">{cap(t)}</th><td class="num">{cr.traits![t]}</td><td class="barcell"><Bar value={cr.traits![t]} max={100} label={t} /></td></tr>
                ))}
              </tbody>
            </table>
          ) : <p class="muted">No traits.</p>}
          {cr.scores && (
            <p class="scores">
              {Object.entries(cr.scores).map(([k, v]) => <span><strong>{cap(k)}</strong> {v.toFixed(1)}</span>)}
            </p>
          )}
          <button type="button" class="btn" onClick={() => setConfirmReroll(true)}>Re-roll traits…</button>
          <h2>Artwork</h2>
          <div class="art">
            <img src={`/thumbs/${enc(cr.id)}?v=${artVersion}`} width={120} height={120} alt={`${cr.name}'s picture`} />
            <ArtUpload id={cr.id} onDone={() => { setArtVersion((v) => v + 1); setNotice('Artwork uploaded; the thumbnail is made in the background.'); c.reload(); }} onError={setError} />
          </div>
        </div>
      </div>
      {confirmReroll && (
        <Modal title="Re-roll traits" onClose={() => setConfirmReroll(false)}>
          <p>All 8 traits of <strong>{cr.name}</strong> are drawn again from the {cr.body_type} profile and the {cr.rarity} bonus.
            Players who own it will see the new scores. This is recorded in the audit log.</p>
          <div class="actions">
            <Act kind="primary" run={() => post<{ creature: Creature }>(`/api/admin/creatures/${enc(id)}/reroll-traits`)
              .then((r) => { done('Traits re-rolled.')(r); setConfirmReroll(false); })} onError={setError}>Re-roll</Act>
            <button type="button" class="btn" onClick={() => setConfirmReroll(false)}>Cancel</button>
          </div>
        </Modal>
      )}
      {confirmDelete && <DeleteDialog cr={cr} onClose={() => setConfirmDelete(false)}
        onDeleted={(r) => { done('Deleted: gone from the catalogue, kept in every collection.')(r); setConfirmDelete(false); }} />}
    </section>
  );
}

function EditForm({ cr, onSave, onError }: { cr: Creature; onSave: (b: Record<string, unknown>) => Promise<unknown>; onError: (m: string) => void }) {
  const [name, setName] = useState(cr.name);
  const [short, setShort] = useState(cr.short_name);
  const [rarity, setRarity] = useState(cr.rarity);
  const [busy, setBusy] = useState(false);
  const body: Record<string, unknown> = {};
  if (name.trim() !== cr.name) body.name = name.trim();
  if (short.trim() !== cr.short_name) body.short_name = short.trim();
  if (rarity !== cr.rarity) body.rarity = rarity;
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      await onSave(body);
    } catch (err) {
      onError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="edit" onSubmit={submit}>
      <label>Name <input name="name" required maxLength={48} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} /></label>
      <label>Short name <input name="short_name" required maxLength={24} value={short} onInput={(e) => setShort((e.target as HTMLInputElement).value)} /></label>
      <label>Rarity
        <select name="rarity" value={rarity} onChange={(e) => setRarity((e.target as HTMLSelectElement).value)}>
          {RARITIES.map((r) => <option value={r}>{r}</option>)}
        </select>
      </label>
      {rarity !== cr.rarity && <p class="hint">Traits keep their scores; re-roll them to apply the {rarity} bonus.</p>}
      <button type="submit" class="btn primary" disabled={busy || Object.keys(body).length === 0}>{busy ? '…' : 'Save changes'}</button>
    </form>
  );
}

function ArtUpload({ id, onDone, onError }: { id: string; onDone: () => void; onError: (m: string) => void }) {
  const [file, setFile] = useState<File | null>(null);
  return (
    <form class="upload" onSubmit={(e) => e.preventDefault()}>
      <label>Replace with (PNG, JPEG or WebP)
        <input type="file" name="artwork" accept="image/png,image/jpeg,image/webp"
          onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] || null)} />
      </label>
      <Act run={() => upload(`/api/admin/creatures/${enc(id)}/artwork`, file!).then(onDone)} disabled={!file} onError={onError}>Upload</Act>
    </form>
  );
}

function DeleteDialog({ cr, onClose, onDeleted }: { cr: Creature; onClose: () => void; onDeleted: (r: { creature: Creature }) => void }) {
  const aff = useLoad(() => get<Affected>(`/api/admin/creatures/${enc(cr.id)}/affected?limit=50`), [cr.id]);
  const [error, setError] = useState<string | null>(null);
  return (
    <Modal title={`Delete ${cr.name}?`} onClose={onClose}>
      <p>A soft delete: the creature leaves the catalogue and is never handed out again, but every player who
        owns it keeps it. You can restore it later.</p>
      <Problem text={aff.error || error} />
      {aff.loading && !aff.data ? <Loading what="Finding the players affected" /> : aff.data && (
        <div class="affected">
          <p><strong>{num(aff.data.owners)}</strong> {aff.data.owners === 1 ? 'player owns' : 'players own'} it
            ({num(aff.data.with_player)} with them now); it is the current chatling of <strong>{num(aff.data.current_chatling_of)}</strong>.</p>
          {aff.data.creator_channels.length > 0 && (
            <p class="warn">It is the creator chatling of {aff.data.creator_channels.join(', ')}: map those channels to another creature.</p>
          )}
          {aff.data.players.length > 0 && (
            <ul class="players-affected">
              {aff.data.players.map((p) => (
                <li><a href={href('players', p.id)}>{p.username}</a> <span class="muted">found ×{p.found_count} · {p.source}{p.current ? ' · current chatling' : ''}</span></li>
              ))}
              {aff.data.owners > aff.data.players.length && <li class="muted">… and {num(aff.data.owners - aff.data.players.length)} more</li>}
            </ul>
          )}
        </div>
      )}
      <div class="actions">
        <Act kind="danger" disabled={!aff.data} run={() => del<{ creature: Creature }>(`/api/admin/creatures/${enc(cr.id)}`).then(onDeleted)} onError={setError}>Delete creature</Act>
        <button type="button" class="btn" onClick={onClose}>Cancel</button>
      </div>
    </Modal>
  );
}
