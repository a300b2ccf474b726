// dashboard: the live figures, polled every 10 seconds. The HTTP figures come from this
// instance's counters since it started; between two polls the portal also shows the last
// interval's request rate, error rate and p95 (from the difference of the two histograms).
import { useEffect, useRef, useState } from 'preact/hooks';
import { get } from '../api';
import { href } from '../router';
import { Bar, Loading, Problem, Stat, errorText } from '../ui';
import { bucketDelta, label, num, quantile, when, type Bucket } from '../util';

type Http = { requests: number; errors_5xx: number; errors_4xx: number; error_rate: number; p95_ms: number | null; buckets: Bucket[] };
type Dash = {
  players: { total: number; active_24h: number; active_7d: number; new_24h: number; suspended: number; admins: number };
  creatures: { active: number; total: number };
  chat: { open_rooms: number; open_reports: number };
  finds: Record<string, { last_24h: number; last_7d: number }>;
  queue: { name: string; ready: number; pending: number; delayed: number; dead: number } | null;
  http: Http;
  generated_at: string;
};

const POLL_MS = 10000;

type Window = { seconds: number; requests: number; errors: number; p95_ms: number | null };

export function Dashboard() {
  const [d, setD] = useState<Dash | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [win, setWin] = useState<Window | null>(null);
  const prev = useRef<{ at: number; http: Http } | null>(null);

  useEffect(() => {
    let stop = false;
    let timer = 0;
    const tick = async () => {
      try {
        const now = await get<Dash>('/api/admin/dashboard');
        if (stop) return;
        const at = Date.now();
        const p = prev.current;
        if (p && now.http.requests >= p.http.requests) {
          const delta = bucketDelta(now.http.buckets, p.http.buckets);
          const q = quantile(0.95, delta);
          setWin({
            seconds: Math.round((at - p.at) / 1000),
            requests: now.http.requests - p.http.requests,
            errors: now.http.errors_5xx - p.http.errors_5xx,
            p95_ms: q === null ? null : q * 1000,
          });
        }
        prev.current = { at, http: now.http };
        setD(now);
        setError(null);
      } catch (e) {
        if (!stop) setError(errorText(e));
      }
      if (!stop) timer = window.setTimeout(tick, POLL_MS);
    };
    tick();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, []);

  if (!d) return error ? <Problem text={error} /> : <Loading what="Loading the figures" />;
  const maxFind = Math.max(1, ...Object.values(d.finds).map((f) => f.last_7d));
  const pct = (x: number) => `${(x * 100).toFixed(x > 0 && x < 0.001 ? 3 : 2)} %`;
  return (
    <section class="screen dashboard">
      <header class="screen-head">
        <h1>Dashboard</h1>
        <span class="muted live" aria-live="polite">Live · updated {when(d.generated_at)}</span>
      </header>
      <Problem text={error} />
      <h2>Players</h2>
      <div class="stats">
        <Stat label="Players" value={num(d.players.total)} />
        <Stat label="Daily actives" value={num(d.players.active_24h)} hint="seen in the last 24 h" />
        <Stat label="Weekly actives" value={num(d.players.active_7d)} />
        <Stat label="New today" value={num(d.players.new_24h)} hint="last 24 h" />
        <Stat label="Suspended" value={<a href={href('players', null, { status: 'suspended' })}>{num(d.players.suspended)}</a>} />
        <Stat label="Admins" value={num(d.players.admins)} />
      </div>

      <div class="two">
        <div class="card">
          <h2>Finds per source</h2>
          <table class="finds">
            <thead><tr><th scope="col">Source</th><th scope="col" class="num">24 h</th><th scope="col" class="num">7 days</th><th scope="col"><span class="sr-only">Share</span></th></tr></thead>
            <tbody>
              {Object.entries(d.finds).map(([src, f]) => (
                <tr>
                  <th scope="row">{label(src)}</th>
                  <td class="num">{num(f.last_24h)}</td>
                  <td class="num">{num(f.last_7d)}</td>
                  <td class="barcell"><Bar value={f.last_7d} max={maxFind} label={label(src)} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>

        <div class="card">
          <h2>Service</h2>
          <div class="stats small">
            <Stat label="Error rate (5xx)" value={win && win.requests > 0 ? pct(win.errors / win.requests) : pct(d.http.error_rate)}
              hint={win && win.requests > 0 ? `last ${win.seconds} s` : 'since start'} />
            <Stat label="p95 latency" value={(win?.p95_ms ?? d.http.p95_ms) === null ? '–' : `${Math.round((win?.p95_ms ?? d.http.p95_ms) as number)} ms`}
              hint={win && win.p95_ms !== null ? `last ${win.seconds} s` : 'since start'} />
            <Stat label="Requests" value={num(d.http.requests)} hint={win ? `+${num(win.requests)} in ${win.seconds} s` : 'since start'} />
          </div>
          <p class="muted small">This instance only (its own counters); every instance's figures are on /metrics.</p>
          <h3>Job queue</h3>
          {d.queue ? (
            <div class="stats small">
              <Stat label="Ready" value={num(d.queue.ready)} />
              <Stat label="In progress" value={num(d.queue.pending)} />
              <Stat label="Retrying" value={num(d.queue.delayed)} />
              <Stat label="Dead letters" value={<a href={href('jobs')} class={d.queue.dead ? 'warn' : ''}>{num(d.queue.dead)}</a>} />
            </div>
          ) : <Problem text="The job queue (Redis) is unavailable." />}
        </div>
      </div>

      <div class="stats">
        <Stat label="Active creatures" value={num(d.creatures.active)} hint={`${num(d.creatures.total)} not deleted`} />
        <Stat label="Open chatrooms" value={<a href={href('chatrooms')}>{num(d.chat.open_rooms)}</a>} />
        <Stat label="Open chat reports" value={<a href={href('chatrooms')} class={d.chat.open_reports ? 'warn' : ''}>{num(d.chat.open_reports)}</a>} />
      </div>
    </section>
  );
}
