// bodytypes: the 20 body types: name, description and the base trait profile new trait rolls
// start from (re-rolling a creature uses the profile as it is now).
import { useState } from 'preact/hooks';
import { get, patch } from '../api';
import { href } from '../router';
import { Loading, Notice, Problem, errorText, useLoad } from '../ui';
import { TRAITS, cap, num } from '../util';

type BodyType = { id: number; name: string; description: string; profile: Record<string, number> | null; creatures: number };

export function BodyTypes() {
  const list = useLoad(() => get<{ body_types: BodyType[] }>('/api/admin/body-types').then((r) => r.body_types), []);
  if (!list.data) return list.error ? <Problem text={list.error} onRetry={list.reload} /> : <Loading />;
  return (
    <section class="screen">
      <header class="screen-head"><h1>Body types</h1></header>
      <p class="muted">The profile is each trait's base score; a creature's trait is base + rarity bonus + noise. Changing a
        profile changes future rolls, not existing creatures.</p>
      <div class="cards">
        {list.data.map((b) => <BodyTypeCard key={b.id} bt={b} />)}
      </div>
    </section>
  );
}

function BodyTypeCard({ bt: initial }: { bt: BodyType }) {
  const [bt, setBt] = useState(initial);
  const [name, setName] = useState(bt.name);
  const [desc, setDesc] = useState(bt.description);
  const [profile, setProfile] = useState<Record<string, number>>(bt.profile || Object.fromEntries(TRAITS.map((t) => [t, 50])));
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const body: Record<string, unknown> = {};
  if (name.trim() !== bt.name) body.name = name.trim();
  if (desc.trim() !== bt.description) body.description = desc.trim();
  if (TRAITS.some((t) => profile[t] !== bt.profile?.[t])) body.profile = profile;
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const r = await patch<{ body_type: BodyType }>(`/api/admin/body-types/${bt.id}`, body);
      setBt(r.body_type);
      setNotice('Saved.');
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card bodytype" onSubmit={save} aria-label={`Body type ${bt.name}`}>
      <h2>{bt.name} <a class="small" href={href('creatures', null, { body_type: String(bt.id) })}>{num(bt.creatures)} creatures</a></h2>
      <Problem text={error} />
      <Notice text={notice} />
      <label>Name <input name="name" required maxLength={32} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} /></label>
      <label>Description <textarea name="description" required maxLength={500} rows={2} value={desc}
        onInput={(e) => setDesc((e.target as HTMLTextAreaElement).value)} /></label>
      <fieldset class="profile">
        <legend>Profile</legend>
        {TRAITS.map((t) => (
          <label class="slider">
            <span>{cap(t)}</span>
            <input type="range" min={0} max={100} name={t} value={profile[t]}
              onInput={(e) => setProfile({ ...profile, [t]: Number((e.target as HTMLInputElement).value) })} />
            <output>{profile[t]}</output>
          </label>
        ))}
      </fieldset>
      <button type="submit" class="btn primary" disabled={busy || Object.keys(body).length === 0}>{busy ? '…' : 'Save'}</button>
    </form>
  );
}
