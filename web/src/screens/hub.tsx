// hub: home. The current chatling, the daily box, today's visitor, quick links to every game.
import { useEffect } from 'preact/hooks';
import { CreatureArt, Rarity, Scores } from '../components';
import { duration } from '../game';
import { type Loaded, useApi, useCountdown } from '../hooks';
import { session, useStore } from '../store';

export function boxReady(st: any): { ready: boolean; next: string | number | null } {
  if (!st) return { ready: false, next: null };
  const ready = !!st.ready;
  return { ready, next: typeof st.seconds_left === 'number' ? st.seconds_left : st.next_at ?? null };
}

/** Today's visitor from GET /api/daily-visitor ({rolled, visited, creature}). */
function visitorOf(v: any): { creature: any } | 'none' | null {
  if (!v) return null;
  if (v.visited && v.creature) return { creature: v.creature };
  return v.rolled ? 'none' : null;
}

function BoxCard({ box }: { box: Loaded<any> }) {
  const { ready, next } = boxReady(box.data);
  const left = useCountdown(ready ? null : next);
  const missing = box.error?.missing;
  return (
    <a class={`card hub-box ${ready ? 'is-ready' : ''}`} href="/box">
      <div class="gift" aria-hidden="true">
        <span class="gift-lid" /><span class="gift-body" /><span class="gift-ribbon" />
      </div>
      <div>
        <h2>Daily mystery box</h2>
        <p class="muted">
          {missing ? 'Coming soon' : box.loading && !box.data ? 'Checking…' : ready ? 'Ready to open! +5 motes inside.' : left > 0 ? `Next box in ${duration(left)}` : 'Opened today'}
        </p>
      </div>
      {ready && <span class="pill pill-hot">Open</span>}
    </a>
  );
}

export function Hub() {
  const s = useStore(session);
  const user = s.status === 'in' ? s.user : null;
  const box = useApi('/api/daily-box/status');
  const enc = useApi('/api/encounters/current');
  const vis = useApi('/api/daily-visitor');
  const stats = useApi('/api/user/stats');
  const ready = !box.loading;
  useEffect(() => {
    if (ready && !performance.getEntriesByName('chatlings:hub-ready').length) performance.mark('chatlings:hub-ready');
  }, [ready]);
  const cur = user?.current_creature ?? null;
  const det = useApi<any>(cur ? `/api/creature/${cur.id}/details` : null, [cur?.id]);
  if (!user) return null;
  const c = cur ? { ...cur, ...(det.data?.creature ?? {}) } : null;
  const visitor = visitorOf(vis.data);
  const encLeft = enc.data?.remaining;
  const total = stats.data?.unique;
  const hour = new Date().getHours();
  const hello = hour < 5 ? 'Up late' : hour < 12 ? 'Good morning' : hour < 18 ? 'Good afternoon' : 'Good evening';
  return (
    <section class="screen hub">
      <header class="hub-hello">
        <p class="muted">{hello},</p>
        <h1 tabIndex={-1}>{user.username}</h1>
      </header>

      <div class="hub-grid">
        <div class="card hub-current">
          {c ? (
            <>
              <a href={`/creature/${c.id}`} class="hub-current-art"><CreatureArt c={c} size="full" eager /></a>
              <div class="hub-current-info">
                <p class="eyebrow">Your chatling</p>
                <h2><a href={`/creature/${c.id}`}>{c.name}</a></h2>
                <p class="hub-tags"><Rarity r={c.rarity} /> <span class="tag">{c.body_type}</span></p>
                {c.vibe && <p class="hub-vibe">“{c.vibe}”</p>}
              </div>
              <div class="hub-current-more">
                {c.traits || c.scores ? <Scores c={c} /> : null}
                <a class="btn btn-small btn-secondary" href="/collection">Switch chatling</a>
              </div>
            </>
          ) : (
            <div class="hub-current-info">
              <h2>No chatling yet</h2>
              <p class="muted">Open your daily box to find your first friend.</p>
            </div>
          )}
        </div>

        <BoxCard box={box} />

        <div class="card hub-visitor">
          <div class="visitor-door" aria-hidden="true">🚪</div>
          <div>
            <h2>Daily visitor</h2>
            {visitor && visitor !== 'none' ? (
              <p>
                <a href={`/creature/${visitor.creature.id}`}><strong>{visitor.creature.name}</strong></a> dropped by today and joined your collection!
              </p>
            ) : visitor === 'none' ? (
              <p class="muted">Nobody knocked today. Every day there is a 1 in 7 chance a wild chatling visits.</p>
            ) : (
              <p class="muted">Every day there is a 1 in 7 chance a wild chatling visits.</p>
            )}
          </div>
        </div>
      </div>

      <h2 class="section-title">Play</h2>
      <div class="quick">
        <a class="quick-tile q-enc" href="/encounters">
          <span class="quick-icon" aria-hidden="true">🌿</span>
          <span class="quick-name">Encounters</span>
          <span class="quick-meta">{typeof encLeft === 'number' ? `${encLeft} left today` : 'Meet wild chatlings'}</span>
        </a>
        <a class="quick-tile q-team" href="/team">
          <span class="quick-icon" aria-hidden="true">🛡️</span>
          <span class="quick-name">Team</span>
          <span class="quick-meta">Build your five</span>
        </a>
        <a class="quick-tile q-idle" href="/idle">
          <span class="quick-icon" aria-hidden="true">💗</span>
          <span class="quick-name">Affection</span>
          <span class="quick-meta">Idle game</span>
        </a>
        <a class="quick-tile q-chat" href="/chat">
          <span class="quick-icon" aria-hidden="true">💬</span>
          <span class="quick-name">Chatrooms</span>
          <span class="quick-meta">Today’s talk</span>
        </a>
        <a class="quick-tile q-coll" href="/collection">
          <span class="quick-icon" aria-hidden="true">📚</span>
          <span class="quick-name">Collection</span>
          <span class="quick-meta">{typeof total === 'number' ? `${total} found` : 'Your chatlings'}</span>
        </a>
        <a class="quick-tile q-ach" href="/achievements">
          <span class="quick-icon" aria-hidden="true">🏅</span>
          <span class="quick-name">Achievements</span>
          <span class="quick-meta">Earn motes</span>
        </a>
      </div>
    </section>
  );
}
