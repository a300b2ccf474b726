// box: the daily mystery box. A wobbling gift; tap to open; the server rolls the creature and
// the page plays the reveal (shake, burst of light in the rarity's colour, card flip).
import { useEffect, useState } from 'preact/hooks';
import { ApiError, post } from '../api';
import { ComingSoon, CreatureArt, ErrorBox, Rarity, Screen, Spinner } from '../components';
import { duration, rarityClass } from '../game';
import { useApi, useCountdown } from '../hooks';
import { patchUser, session, toast, type Creature } from '../store';
import { boxReady } from './hub';

type Phase = 'idle' | 'opening' | 'burst' | 'revealed';

export function Box() {
  const st = useApi('/api/daily-box/status');
  const [phase, setPhase] = useState<Phase>('idle');
  const [prize, setPrize] = useState<{ c: Creature; isNew: boolean; motes?: number } | null>(null);
  const [err, setErr] = useState<ApiError | null>(null);
  const { ready, next } = boxReady(st.data);
  const left = useCountdown(ready ? null : next);

  useEffect(() => {
    if (phase !== 'burst') return;
    const t = setTimeout(() => setPhase('revealed'), 900);
    return () => clearTimeout(t);
  }, [phase]);

  async function open() {
    if (phase !== 'idle') return;
    setErr(null);
    setPhase('opening');
    const started = Date.now();
    try {
      const r: any = await post('/api/daily-box/claim');
      const c: Creature = r.creature;
      setPrize({ c, isNew: !!r.new, motes: r.motes_awarded ?? 5 });
      const u = session.get();
      if (u.status === 'in') patchUser({ motes: r.motes ?? u.user.motes + 5 });
      for (const a of r.achievements ?? []) toast(`Achievement unlocked: ${a.name} (+${a.points})`, 'good', 5000);
      // let the shake play at least once, however fast the server was
      await new Promise((res) => setTimeout(res, Math.max(0, 1100 - (Date.now() - started))));
      setPhase('burst');
    } catch (e) {
      setPhase('idle');
      const ae = e as ApiError;
      if (ae.status === 409) {
        toast('Already opened! Come back when the timer runs out.', 'info');
        st.reload();
      } else setErr(ae);
    }
  }

  if (st.error?.missing) return <Screen title="Daily box" back="/"><ComingSoon what="The daily box" /></Screen>;
  if (st.error && !st.data) return <Screen title="Daily box" back="/"><ErrorBox error={st.error} retry={st.reload} /></Screen>;
  if (!st.data) return <Screen title="Daily box" back="/"><Spinner /></Screen>;
  const rc = prize ? rarityClass(prize.c.rarity) : '';
  return (
    <Screen title="Daily box" back="/" class="box-screen">
      <div class={`stage ${rc} phase-${phase}`}>
        <div class="rays" aria-hidden="true" />
        {phase !== 'revealed' ? (
          <button type="button" class={`giftbox ${ready ? 'is-ready' : 'is-waiting'}`} onClick={open}
            disabled={!ready || phase !== 'idle'} aria-label={ready ? 'Open the daily box' : 'The box is closed for now'}>
            <span class="giftbox-lid" aria-hidden="true" />
            <span class="giftbox-body" aria-hidden="true" />
            <span class="giftbox-bow" aria-hidden="true" />
          </button>
        ) : (
          prize && (
            <div class="reveal-card is-revealed" role="status">
              {prize.isNew && <span class="pill pill-hot reveal-new">New!</span>}
              <CreatureArt c={prize.c} size="full" eager />
              <p class="reveal-name">{prize.c.name}</p>
              <p><Rarity r={prize.c.rarity} /> <span class="tag">{prize.c.body_type}</span></p>
              <p class="muted">{prize.isNew ? 'joined your collection!' : 'came back to you — rizz up!'} +{prize.motes ?? 5} motes</p>
            </div>
          )
        )}
      </div>
      <div class="center box-actions">
        {phase === 'revealed' && prize ? (
          <>
            <a class="btn" href={`/creature/${prize.c.id}`}>See {prize.c.short_name || prize.c.name}</a>
            <a class="btn btn-secondary" href="/collection">My collection</a>
          </>
        ) : ready ? (
          <p class="lead">{phase === 'idle' ? 'Tap the box to open it!' : 'Opening…'}</p>
        ) : (
          <>
            <p class="lead">Next box in <strong class="countdown">{duration(left)}</strong></p>
            <a class="btn btn-secondary" href="/shop">Get an extra box in the shop</a>
          </>
        )}
        {err && <p class="form-error" role="alert">{err.message}</p>}
      </div>
      <p class="muted center odds">Odds: Common 75 % · Uncommon 20 % · Rare 4.2 % · Epic 0.7 % · Legendary 0.1 %</p>
    </Screen>
  );
}
