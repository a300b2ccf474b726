// team: five slots of present chatlings, slot 1 being the current chatling. Tap a chatling to
// add it, tap a slot to free it, save; the server computes the team score.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, listOf, put } from '../api';
import { CreatureArt, CreatureTile, Gate, Rarity, Screen, Spinner } from '../components';
import { fmt, RARITIES, scoresOf } from '../game';
import { useAction, useApi } from '../hooks';
import { refreshMe } from '../session';
import { toast, type Creature } from '../store';
import { loadCollection } from './collection';

const MULT = [1, 1.2, 1.5, 2, 3, 5];
function estimate(team: Creature[]) {
  let s = 0;
  for (const c of team) {
    const o = scoresOf(c)?.overall ?? 0;
    s += o * (MULT[RARITIES.indexOf(c.rarity as any)] ?? 1) + 2 * (c.rizz ?? 0);
  }
  return Math.round(s * 100) / 100;
}

export function Team() {
  const t = useApi<any>('/api/user/team');
  const col = useApi(() => loadCollection({ sort: 'overall', limit: 48 }));
  const [team, setTeam] = useState<(Creature | null)[]>([null, null, null, null, null]);
  const [dirty, setDirty] = useState(false);
  const [err, setErr] = useState('');
  const { busy, run } = useAction();

  useEffect(() => {
    if (!t.data) return;
    // api/team.c: {slots: [{slot, creature: {id, name, short_name, rarity, overall, rizz} | null, score}], score}
    const slots: (Creature | null)[] = [null, null, null, null, null];
    for (const s of listOf<any>(t.data, 'slots')) {
      if (s?.creature && s.slot >= 1 && s.slot <= 5)
        slots[s.slot - 1] = { body_type: '', ...s.creature, scores: { overall: s.creature.overall } };
    }
    setTeam(slots);
    setDirty(false);
  }, [t.data]);

  const members = team.filter(Boolean) as Creature[];
  function add(c: Creature) {
    if (team.some((x) => x?.id === c.id)) {
      setTeam(team.map((x) => (x?.id === c.id ? null : x)));
    } else {
      const i = team.indexOf(null);
      if (i < 0) {
        toast('The team is full — tap a slot to free it.', 'info');
        return;
      }
      const n = [...team];
      n[i] = c;
      setTeam(n);
    }
    setDirty(true);
  }
  async function save() {
    setErr('');
    await run(async () => {
      try {
        await put('/api/user/team', { creature_ids: team.filter(Boolean).map((c) => c!.id) });
        toast('Team saved!', 'good');
        await Promise.all([t.reload(), refreshMe()]);
      } catch (e) {
        setErr((e as ApiError).message);
      }
    });
  }
  const score = dirty ? estimate(members) : t.data?.score ?? estimate(members);
  return (
    <Screen title="Team" back="/play" sub="Five chatlings. Slot 1 leads as your current chatling.">
      <Gate state={t} what="Teams">
        {() => (
          <>
            <div class="card team-card">
              <div class="team-score">
                <span class="team-score-val">{fmt(Number(score))}</span>
                <span class="team-score-label">{dirty ? 'team score (estimate)' : 'team score'}</span>
              </div>
              <ol class="slots">
                {team.map((c, i) => (
                  <li key={i}>
                    <button type="button" class={`slot ${c ? 'is-filled' : ''}`} onClick={() => {
                      if (!c) return;
                      const n = [...team]; n[i] = null; setTeam(n); setDirty(true);
                    }} aria-label={c ? `Slot ${i + 1}: ${c.name}. Remove` : `Slot ${i + 1}: empty`}>
                      <span class="slot-n" aria-hidden="true">{i + 1}</span>
                      {c ? <><CreatureArt c={c} /><span class="slot-name">{c.short_name || c.name}</span><Rarity r={c.rarity} /></> : <span class="slot-empty" aria-hidden="true">+</span>}
                    </button>
                  </li>
                ))}
              </ol>
              <div class="center">
                <button class="btn" type="button" disabled={!dirty || busy || !members.length} onClick={save}>{busy ? 'Saving…' : 'Save team'}</button>
                {err && <p class="form-error" role="alert">{err}</p>}
              </div>
            </div>
            <h2 class="section-title">Pick from your chatlings</h2>
            {col.loading && !col.data ? <Spinner /> : (
              <ul class="grid grid-small">
                {(col.data?.items ?? []).filter((c) => c.status !== 'runaway').map((c) => (
                  <li key={c.id}><CreatureTile c={c} selected={team.some((x) => x?.id === c.id)} onClick={() => add(c)} /></li>
                ))}
              </ul>
            )}
          </>
        )}
      </Gate>
    </Screen>
  );
}
