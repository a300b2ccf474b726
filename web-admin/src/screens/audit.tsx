// audit: every admin action, newest first, filtered by actor (username, id, or "cli"), action
// (a prefix: "creature_" finds them all), target and dates; each row opens to show the state
// before and after.
import { useEffect, useState } from 'preact/hooks';
import { get, qs } from '../api';
import { go, href, type Route } from '../router';
import { Json, Loading, Problem, errorText } from '../ui';
import { label, when } from '../util';

type Entry = {
  id: number; actor: { id: string; username: string | null } | null; action: string; target: string | null;
  before: unknown; after: unknown; ip: string | null; created_at: string;
};

const FIELDS = ['actor', 'action', 'target', 'from', 'to'] as const;

export function Audit({ route }: { route: Route }) {
  const current = Object.fromEntries(FIELDS.map((f) => [f, route.params.get(f) || ''])) as Record<string, string>;
  const [form, setForm] = useState(current);
  const [entries, setEntries] = useState<Entry[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const key = route.params.toString();
  const load = async (before: number | null) => {
    try {
      const r = await get<{ entries: Entry[]; next_before: number | null }>(`/api/admin/audit${qs({ ...current, before, limit: 50 })}`);
      setEntries((e) => (before && e ? [...e, ...r.entries] : r.entries));
      setNext(r.next_before);
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  };
  useEffect(() => { setEntries(null); setForm(current); load(null); }, [key]);
  const set = (k: string) => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value });
  return (
    <section class="screen">
      <header class="screen-head"><h1>Audit log</h1></header>
      <form class="filters" role="search" onSubmit={(e) => { e.preventDefault(); go(href('audit', null, form)); }}>
        <label>Actor <input name="actor" value={form.actor} maxLength={64} placeholder="username, id or cli" onInput={set('actor')} /></label>
        <label>Action <input name="action" value={form.action} maxLength={64} placeholder="e.g. creature_" onInput={set('action')} /></label>
        <label>Target <input name="target" value={form.target} maxLength={100} placeholder="e.g. user:…" onInput={set('target')} /></label>
        <label>From <input name="from" type="date" value={form.from} onInput={set('from')} /></label>
        <label>To <input name="to" type="date" value={form.to} onInput={set('to')} /></label>
        <button type="submit" class="btn primary">Filter</button>
        <a class="btn" href={href('audit')}>Clear</a>
      </form>
      <Problem text={error} />
      {!entries ? (error ? null : <Loading />) : (
        <>
          <table class="list audit">
            <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">From</th></tr></thead>
            <tbody>
              {entries.map((e) => [
                <tr class="clickable" onClick={() => setOpen(open === e.id ? null : e.id)}>
                  <td>{when(e.created_at)}</td>
                  <td>{e.actor ? (e.actor.username ? <a href={href('players', e.actor.id)} onClick={(ev) => ev.stopPropagation()}>{e.actor.username}</a> : <span class="mono small">{e.actor.id}</span>) : <span class="muted">CLI</span>}</td>
                  <td><button type="button" class="linkish" aria-expanded={open === e.id}>{label(e.action)}</button></td>
                  <td class="mono small">{e.target || '–'}</td>
                  <td class="mono small">{e.ip || '–'}</td>
                </tr>,
                open === e.id && (
                  <tr class="detail"><td colSpan={5}>
                    <div class="beforeafter">
                      <div><h3>Before</h3><Json value={e.before} /></div>
                      <div><h3>After</h3><Json value={e.after} /></div>
                    </div>
                  </td></tr>
                ),
              ])}
            </tbody>
          </table>
          {entries.length === 0 && <p class="empty">No entries match.</p>}
          {next && <button type="button" class="btn" onClick={() => load(next)}>Load older entries</button>}
        </>
      )}
    </section>
  );
}
