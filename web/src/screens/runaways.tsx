// runaways: chatlings that ran away after being unhappy too often. One recovery attempt per
// chatling per day, with falling odds (80 %, 50 %, 20 %); the server rolls.
import { ApiError, listOf, post } from '../api';
import { CreatureArt, Empty, Gate, Rarity, Screen } from '../components';
import { timeAgo } from '../game';
import { useAction, useApi } from '../hooks';
import { toast } from '../store';

export function Runaways() {
  const st = useApi<any>('/api/user/runaways');
  const { busy, run } = useAction();
  // api/chatrooms.c: {runaways: [{chatling, ran_away_at, attempts, next_attempt: {number, percent}, can_attempt_today}]}
  const list = listOf<any>(st.data, 'runaways').map((x) => ({ ...x.chatling, ...x }));
  async function recover(c: any) {
    await run(async () => {
      try {
        const r = await post(`/api/user/runaways/${encodeURIComponent(c.id)}/recover`);
        if (r?.recovered) toast(`${c.name} came home! 🏡`, 'good', 5000);
        else toast(`${c.name} didn’t come back this time. Try again tomorrow.`, 'info', 5000);
        await st.reload();
      } catch (e) {
        toast((e as ApiError).message, 'bad');
      }
    });
  }
  return (
    <Screen title="Runaways" back="/play" sub="Unhappy chatlings sometimes run away. Coax them home — once a day each.">
      <Gate state={st} what="Runaways">
        {() =>
          list.length ? (
            <ul class="run-list">
              {list.map((c) => {
                const can = c.can_attempt_today !== false;
                const chance = c.next_attempt?.percent;
                return (
                  <li key={c.id} class="card run">
                    <CreatureArt c={c} />
                    <div class="run-main">
                      <strong>{c.name}</strong> <Rarity r={c.rarity} />
                      <p class="muted">Ran away {timeAgo(c.ran_away_at)}{typeof chance === 'number' ? ` · ${chance} % chance` : ''}</p>
                    </div>
                    <button class="btn" type="button" disabled={!can || busy} onClick={() => recover(c)}>{can ? 'Call home' : 'Tomorrow'}</button>
                  </li>
                );
              })}
            </ul>
          ) : (
            <Empty icon="🏡" title="Everyone is home"><p>Keep your chatlings happy by reading chatrooms together.</p></Empty>
          )
        }
      </Gate>
    </Screen>
  );
}
