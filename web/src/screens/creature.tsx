// creature: one creature's card: artwork, rarity, body type, vibe, the eight traits, the
// derived scores, and (for one you own) rizz, glow, mood and "make current".
import { useState } from 'preact/hooks';
import { ApiError, put } from '../api';
import { CreatureArt, Gate, Rarity, Scores, Screen, Stat, TraitBars } from '../components';
import { cap, timeAgo } from '../game';
import { owned } from './collection';
import { useAction, useApi } from '../hooks';
import { refreshMe } from '../session';
import { session, toast, useStore, type Creature } from '../store';

export function CreatureScreen({ id }: { id: string }) {
  const det = useApi<{ creature: Creature }>(`/api/creature/${encodeURIComponent(id)}/details`, [id]);
  const s = useStore(session);
  const { busy, run } = useAction();
  const [err, setErr] = useState('');
  const c = det.data?.creature;
  const isCurrent = s.status === 'in' && s.user.current_creature?.id === id;
  const mine: any = owned.get(id) ?? (isCurrent ? {} : null);
  async function makeCurrent() {
    setErr('');
    await run(async () => {
      try {
        await put('/api/user/current-chatling', { creature_id: id });
        await refreshMe();
        toast(`${c?.name} is now your chatling!`, 'good');
      } catch (e) {
        setErr((e as ApiError).missing ? 'Choosing a chatling is coming soon.' : (e as ApiError).message);
      }
    });
  }
  return (
    <Screen title={c?.name ?? 'Chatling'} back="/collection" class="creature-screen">
      <Gate state={det} what="Creature cards">
        {() => (
          <div class="creature-layout">
            <div class={`card creature-hero`}>
              <CreatureArt c={c!} size="full" eager />
              <div class="creature-tags">
                <Rarity r={c!.rarity} />
                <span class="tag">{c!.body_type}</span>
                {c!.colour_scheme && <span class="tag">{cap(c!.colour_scheme)}</span>}
              </div>
              {c!.short_name && c!.short_name !== c!.name && <p class="muted">“{c!.short_name}” for short</p>}
              {c!.vibe && <p class="vibe">{c!.vibe}</p>}
            </div>
            <div class="creature-side">
              <div class="card">
                <h2>Scores</h2>
                <Scores c={c!} />
              </div>
              <div class="card">
                <h2>Traits</h2>
                {c!.traits && <TraitBars traits={c!.traits} />}
              </div>
              {mine && (
                <div class="card">
                  <h2>With you</h2>
                  <div class="stats">
                    <Stat icon="✨" label="Rizz" value={mine.rizz ?? Math.min(mine.found_count ?? 1, 10)} />
                    <Stat icon="🌟" label="Glow" value={mine.glow ?? 0} />
                    <Stat icon={mine.mood === 'happy' ? '😊' : mine.mood === 'unhappy' ? '😟' : '😐'} label="Mood" value={cap(mine.mood ?? 'neutral')} />
                    <Stat icon="🔁" label="Found" value={`${mine.found_count ?? 1}×`} />
                  </div>
                  {mine.first_found_at && <p class="muted">First found {timeAgo(mine.first_found_at)}{mine.source ? ` · ${mine.source.replace('_', ' ')}` : ''}</p>}
                  {mine.status === 'runaway' ? (
                    <a class="btn" href="/runaways">This chatling ran away — try to bring it back</a>
                  ) : isCurrent ? (
                    <p class="pill pill-good">Your current chatling</p>
                  ) : (
                    <button class="btn" type="button" disabled={busy} onClick={makeCurrent}>Make my chatling</button>
                  )}
                  {err && <p class="form-error" role="alert">{err}</p>}
                </div>
              )}
            </div>
          </div>
        )}
      </Gate>
    </Screen>
  );
}
