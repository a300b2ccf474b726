// idle: the affection idle game. Every chatling can run a little business; the server owns
// the state (balances, costs, timers) and this page only renders it and asks for actions:
// buy a unit, hire a manager, collect. Progress bars run locally between server updates.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, listOf, post } from '../api';
import { CreatureArt, Empty, Gate, Rarity, Screen } from '../components';
import { fmt } from '../game';
import { useApi } from '../hooks';
import { toast } from '../store';

function num(...v: any[]): number {
  for (const x of v) if (typeof x === 'number' && Number.isFinite(x)) return x;
  for (const x of v) if (typeof x === 'string' && x !== '' && !Number.isNaN(Number(x))) return Number(x);
  return 0;
}

function Business({ b, balance, act, now, fetchedAt }: { b: any; balance: number; act: (what: string, id: string) => void; now: number; fetchedAt: number }) {
  // api/idle.c: {creature_id, name, rarity, owned, level, has_manager, revenue_per_cycle,
  // cycle_ms, cycle_progress_ms (at fetchedAt), ready, next_unit_cost, manager_cost}
  const c = { id: b.creature_id, name: b.name, rarity: b.rarity, body_type: '' };
  const id = b.creature_id;
  const owned = num(b.owned);
  const cycleMs = num(b.cycle_ms) || 10000;
  const managed = !!b.has_manager;
  const elapsed = num(b.cycle_progress_ms) + Math.max(0, now - fetchedAt);
  const pct = owned === 0 ? 0 : managed ? ((elapsed % cycleMs) / cycleMs) * 100 : Math.min(100, (elapsed / cycleMs) * 100);
  const ready = !!b.ready || (!managed && owned > 0 && elapsed >= cycleMs);
  const cost = b.next_unit_cost === null ? Infinity : num(b.next_unit_cost);
  const mcost = b.manager_cost === null ? Infinity : num(b.manager_cost);
  return (
    <li class={`card biz ${ready ? 'is-ready' : ''}`}>
      <CreatureArt c={c} />
      <div class="biz-main">
        <div class="biz-title">
          <strong>{c.name}</strong> <Rarity r={c.rarity} />
        </div>
        <p class="muted biz-meta">
          {owned} owned · level {num(b.level)} · {fmt(num(b.revenue_per_cycle, b.base_revenue))} 💗 / {fmt(cycleMs / 1000)} s {managed && '· 🤖 managed'}
        </p>
        <span class="progress biz-progress" aria-hidden="true"><span class="progress-fill" style={{ width: `${pct}%` }} /></span>
        <div class="biz-actions">
          <button class="btn btn-small" type="button" disabled={cost > balance} onClick={() => act('buy', id)}>
            {cost === Infinity ? 'Maxed' : <>Buy · {fmt(cost)} 💗</>}
          </button>
          {!managed && owned > 0 && (
            <button class="btn btn-small btn-secondary" type="button" disabled={mcost > balance} onClick={() => act('hire', id)}>
              Manager · {mcost === Infinity ? '–' : fmt(mcost)}
            </button>
          )}
          {!managed && owned > 0 && (
            <button class={`btn btn-small ${ready ? 'btn-hot' : 'btn-ghost'}`} type="button" disabled={!ready} onClick={() => act('collect', id)}>
              {ready ? 'Collect!' : 'Working…'}
            </button>
          )}
        </div>
      </div>
    </li>
  );
}

export function Idle() {
  const st = useApi<any>('/api/idle-game/state');
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(t);
  }, []);
  // managers earn on the server: re-read now and then to show it
  useEffect(() => {
    const t = setInterval(() => document.visibilityState === 'visible' && st.reload(), 15000);
    return () => clearInterval(t);
  }, []);
  const [fetchedAt, setFetchedAt] = useState(Date.now());
  useEffect(() => setFetchedAt(Date.now()), [st.data]);
  async function act(what: string, id: string) {
    try {
      const r = await post(`/api/idle-game/${what}`, { creature_id: id });
      if (r && r.businesses) st.setData(r);
      else await st.reload();
      if (what === 'collect' && r?.action?.collected) toast(`+${fmt(r.action.collected)} affection 💗`, 'good');
    } catch (e) {
      toast((e as ApiError).message, 'bad');
      st.reload();
    }
  }
  const data = st.data ?? {};
  const balance = num(data.affection_points);
  const list = listOf<any>(data, 'businesses', 'items');
  return (
    <Screen title="Affection" back="/play" sub="Your chatlings run tiny businesses that earn affection 💗">
      <Gate state={st} what="The idle game">
        {() => (
          <>
            <div class="card idle-balance">
              <span class="idle-heart" aria-hidden="true">💗</span>
              <span class="idle-amount">{fmt(balance)}</span>
              <span class="muted">affection points</span>
              {num(data.settled) > 0 && (
                <p class="pill pill-good">+{fmt(num(data.settled))} earned by your managers</p>
              )}
            </div>
            {list.length ? (
              <ul class="biz-list">
                {list.map((b) => <Business key={b.creature_id} b={b} balance={balance} act={act} now={now} fetchedAt={fetchedAt} />)}
              </ul>
            ) : (
              <Empty icon="🏪" title="No businesses yet"><p>Collect chatlings to open businesses.</p></Empty>
            )}
          </>
        )}
      </Gate>
    </Screen>
  );
}
