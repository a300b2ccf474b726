// encounters: today's wild chatling. Pick one of yours to meet it; the server draws three
// traits and yours must win two. The duel is played back trait by trait.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, post } from '../api';
import { CreatureArt, CreatureTile, Empty, Gate, Rarity, Screen, Spinner } from '../components';
import { cap } from '../game';
import { useAction, useApi } from '../hooks';
import { toast, type Creature } from '../store';
import { loadCollection } from './collection';

interface Duel { trait: string; mine: number; wild: number; win: boolean }

/** POST /api/encounters/meet: {won, traits: [{trait, player, wild, winner}], wild_creature, ...}. */
function parseResult(r: any): { won: boolean; duels: Duel[]; isNew: boolean; achievements: any[] } {
  const duels = (r?.traits ?? []).map((d: any) => ({
    trait: String(d.trait), mine: d.player, wild: d.wild, win: d.winner === 'player',
  }));
  return { won: !!r?.won, duels, isNew: !!r?.collected?.new, achievements: r?.achievements ?? [] };
}

export function Encounters() {
  const cur = useApi<any>('/api/encounters/current');
  const mine = useApi(() => loadCollection({ sort: 'overall', limit: 24 }));
  const [pick, setPick] = useState<Creature | null>(null);
  const [result, setResult] = useState<ReturnType<typeof parseResult> | null>(null);
  const [shown, setShown] = useState(0);
  const [err, setErr] = useState('');
  const { busy, run } = useAction();

  useEffect(() => {
    if (!result || shown >= result.duels.length) return;
    const t = setTimeout(() => setShown(shown + 1), 700);
    return () => clearTimeout(t);
  }, [result, shown]);

  const wild: Creature | undefined = cur.data?.encounter?.wild;
  const left = cur.data?.remaining;

  async function meet() {
    if (!pick) return;
    setErr('');
    await run(async () => {
      try {
        const r = await post('/api/encounters/meet', { creature_id: pick.id });
        setShown(0);
        const res = parseResult(r);
        setResult(res);
        for (const a of res.achievements) toast(`Achievement unlocked: ${a.name} (+${a.points})`, 'good', 5000);
      } catch (e) {
        setErr((e as ApiError).message);
      }
    });
  }

  return (
    <Screen title="Encounters" back="/play" sub={typeof left === 'number' ? `${left} of 3 left today` : 'Up to 3 a day'}>
      <Gate state={cur} what="Encounters">
        {() =>
          !wild ? (
            <Empty icon="🌙" title="No wild chatlings right now">
              <p>You have met everyone for today. Come back tomorrow — or refresh encounters in the shop.</p>
              <a class="btn btn-secondary" href="/shop">Visit the shop</a>
            </Empty>
          ) : (
            <div class="encounter">
              <div class="versus">
                <div class="card versus-side wild">
                  <p class="eyebrow">Wild chatling!</p>
                  <CreatureArt c={wild} size="full" eager />
                  <h2>{wild.name}</h2>
                  <Rarity r={wild.rarity} />
                </div>
                <div class="vs" aria-hidden="true">VS</div>
                <div class="card versus-side mine">
                  <p class="eyebrow">Your pick</p>
                  {pick ? (
                    <>
                      <CreatureArt c={pick} size="full" />
                      <h2>{pick.name}</h2>
                      <Rarity r={pick.rarity} />
                    </>
                  ) : (
                    <div class="pick-placeholder"><span aria-hidden="true">❔</span><p>Choose one of your chatlings below</p></div>
                  )}
                </div>
              </div>

              {result ? (
                <div class={`card duel ${shown >= result.duels.length ? (result.won ? 'is-won' : 'is-lost') : ''}`} role="status">
                  <h2>Three traits were drawn</h2>
                  <div class="duel-head" aria-hidden="true"><span>Trait</span><span>Yours</span><span>Wild</span></div>
                  <ul class="duels">
                    {result.duels.map((d, i) => (
                      <li key={d.trait} class={`duel-row ${i < shown ? 'is-shown' : ''} ${d.win ? 'win' : 'lose'}`}>
                        <span class="duel-trait">{cap(d.trait)}</span>
                        <span class="duel-score mine">{d.mine}</span>
                        <span class="duel-sep" aria-hidden="true">{d.mine > d.wild ? '>' : d.mine < d.wild ? '<' : '='}</span>
                        <span class="duel-score wild">{d.wild}</span>
                        <span class="duel-mark" aria-label={d.win ? 'you win' : 'wild wins'}>{d.win ? '✅' : '❌'}</span>
                      </li>
                    ))}
                  </ul>
                  {shown >= result.duels.length && (
                    <>
                      <p class="duel-verdict">{result.won ? (result.isNew ? `${wild.name} joins your collection! 🎉` : `${wild.name} is already yours — rizz up! ✨`) : `${wild.name} wandered off. Better luck next time!`}</p>
                      <div class="center">
                        {result.won && <a class="btn" href={`/creature/${wild.id}`}>See {wild.short_name || wild.name}</a>}
                        <button class="btn btn-secondary" type="button" onClick={() => { setResult(null); setPick(null); cur.reload(); }}>Next encounter</button>
                      </div>
                    </>
                  )}
                </div>
              ) : (
                <>
                  <div class="center">
                    <button class="btn btn-big" type="button" disabled={!pick || busy} onClick={meet}>
                      {busy ? 'Meeting…' : pick ? `Send ${pick.short_name || pick.name}` : 'Pick a chatling first'}
                    </button>
                    {err && <p class="form-error" role="alert">{err}</p>}
                  </div>
                  <h2 class="section-title">Your chatlings</h2>
                  {mine.loading && !mine.data ? <Spinner /> : (
                    <ul class="grid grid-small">
                      {(mine.data?.items ?? []).filter((c) => c.status !== 'runaway').map((c) => (
                        <li key={c.id}><CreatureTile c={c} selected={pick?.id === c.id} onClick={() => setPick(c)} /></li>
                      ))}
                    </ul>
                  )}
                </>
              )}
            </div>
          )
        }
      </Gate>
    </Screen>
  );
}
