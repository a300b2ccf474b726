// achievements: every achievement with its progress; unlocked ones shine.
import { listOf } from '../api';
import { Gate, Progress, Screen } from '../components';
import { fmt, timeAgo } from '../game';
import { useApi } from '../hooks';

const ICONS: [RegExp, string][] = [
  [/collect|creature/i, '📚'], [/epic|legend|myth/i, '💎'], [/streak|login|days/i, '🔥'], [/youtube|video/i, '▶️'],
  [/box/i, '🎁'], [/encounter/i, '🌿'], [/runaway|recover/i, '🏡'],
];
const iconFor = (a: any) => ICONS.find(([re]) => re.test(`${a.id} ${a.name}`))?.[1] ?? '🏅';

export function Achievements() {
  const st = useApi<any>('/api/user/achievements');
  const list = listOf<any>(st.data, 'achievements', 'items');
  const done = list.filter((a) => a.unlocked_at || a.unlocked).length;
  const points = list.filter((a) => a.unlocked_at || a.unlocked).reduce((s, a) => s + (a.points ?? 0), 0);
  return (
    <Screen title="Achievements" back="/me" sub={list.length ? `${done} of ${list.length} unlocked · ${fmt(points)} points` : undefined}>
      <Gate state={st} what="Achievements">
        {() => (
          <ul class="ach-list">
            {list.map((a) => {
              const unlocked = !!(a.unlocked_at || a.unlocked);
              const target = a.target ?? a.goal ?? a.threshold ?? 1;
              const prog = Math.min(a.progress ?? (unlocked ? target : 0), target);
              return (
                <li key={a.id} class={`card ach ${unlocked ? 'is-unlocked' : ''}`}>
                  <span class="ach-icon" aria-hidden="true">{iconFor(a)}</span>
                  <div class="ach-main">
                    <strong>{a.name}</strong>
                    {a.description && <p class="muted">{a.description}</p>}
                    {unlocked ? (
                      <p class="ach-done">Unlocked {timeAgo(a.unlocked_at)}</p>
                    ) : (
                      <div class="ach-prog"><Progress value={prog} max={target} label={`${a.name} progress`} /><span class="muted">{fmt(prog)} / {fmt(target)}</span></div>
                    )}
                  </div>
                  <span class="ach-points">+{a.points ?? 0}</span>
                </li>
              );
            })}
          </ul>
        )}
      </Gate>
    </Screen>
  );
}
