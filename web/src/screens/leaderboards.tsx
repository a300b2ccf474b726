// leaderboards: four boards (achievement points, collection, rarity score, team score), each
// this week or all time; the top 100 and the player's own rank pinned at the bottom.
import { useState } from 'preact/hooks';
import { listOf } from '../api';
import { Empty, Gate, Screen } from '../components';
import { fmt } from '../game';
import { useApi } from '../hooks';
import { session, useStore } from '../store';

const BOARDS = [
  { id: 'achievements', label: 'Points', icon: '🏅' },
  { id: 'collection', label: 'Collection', icon: '📚' },
  { id: 'rarity', label: 'Rarity', icon: '💎' },
  { id: 'team', label: 'Team', icon: '🛡️' },
];
const MEDAL = ['🥇', '🥈', '🥉'];

export function Leaderboards() {
  const [board, setBoard] = useState('achievements');
  const [period, setPeriod] = useState<'week' | 'all'>('week');
  const st = useApi<any>(`/api/leaderboard/${board}?period=${period}`, [board, period]);
  const s = useStore(session);
  const me = s.status === 'in' ? s.user.username : '';
  // api/leaderboard.c: {board, period, week, archived, entries: [{rank, username, score}], me: {rank, score} | null}
  const rows = listOf<any>(st.data, 'entries');
  const myRank = st.data?.me;
  return (
    <Screen title="Leaderboards" sub="Climb the ranks — the weekly boards reset every Monday.">
      <div class="tabs" role="tablist" aria-label="Board">
        {BOARDS.map((b) => (
          <button key={b.id} role="tab" type="button" aria-selected={board === b.id} class={`tab ${board === b.id ? 'is-on' : ''}`} onClick={() => setBoard(b.id)}>
            <span aria-hidden="true">{b.icon}</span> {b.label}
          </button>
        ))}
      </div>
      <div class="segmented" role="radiogroup" aria-label="Period">
        <button type="button" role="radio" aria-checked={period === 'week'} class={period === 'week' ? 'is-on' : ''} onClick={() => setPeriod('week')}>This week</button>
        <button type="button" role="radio" aria-checked={period === 'all'} class={period === 'all' ? 'is-on' : ''} onClick={() => setPeriod('all')}>All time</button>
      </div>
      <Gate state={st} what="Leaderboards">
        {() =>
          rows.length ? (
            <div class="card board">
              <ol class="board-list">
                {rows.map((r, i) => {
                  const rank = r.rank ?? i + 1;
                  return (
                    <li key={`${rank}-${r.username}`} class={`board-row ${r.username === me ? 'is-me' : ''} ${rank <= 3 ? `top${rank}` : ''}`}>
                      <span class="board-rank">{rank <= 3 ? <span aria-label={`rank ${rank}`}>{MEDAL[rank - 1]}</span> : rank}</span>
                      <span class="board-name">{r.username}</span>
                      <span class="board-score">{fmt(r.score)}</span>
                    </li>
                  );
                })}
              </ol>
              {myRank && myRank.rank && (
                <div class="board-row board-me is-me">
                  <span class="board-rank">{myRank.rank}</span>
                  <span class="board-name">You ({me})</span>
                  <span class="board-score">{fmt(myRank.score)}</span>
                </div>
              )}
            </div>
          ) : (
            <Empty icon="🏁" title="Nobody here yet">
              <p>{period === 'week' ? 'This week has just begun. Be the first!' : 'Play to put your name on the board.'}</p>
            </Empty>
          )
        }
      </Gate>
    </Screen>
  );
}
