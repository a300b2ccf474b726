// jobs: the worker's queue: depths, jobs waiting for a retry, dead letters (with a retry),
// and the recurring schedules' last runs.
import { useState } from 'preact/hooks';
import { enc, get, post } from '../api';
import { Act, Loading, Notice, Problem, Stat, useLoad } from '../ui';
import { ago, num, when } from '../util';

type Jobs = {
  queues: { name: string; ready: number; pending: number; delayed: number; dead: number }[];
  retrying: { queue: string; job_id: string; type: string; attempt: number; last_error: string | null; due_at: string | null }[];
  dead: { dead_id: string; queue: string; job_id: string; type: string; attempt: number; error: string | null; failed_at: string | null; enqueued_at: string | null; payload: string | null }[];
  redis_available: boolean;
  schedules: { name: string; last_run_at: string | null; runs: number }[];
};

export function Jobs() {
  const j = useLoad(() => get<Jobs>('/api/admin/jobs'), []);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  if (!j.data) return j.error ? <Problem text={j.error} onRetry={j.reload} /> : <Loading />;
  const d = j.data;
  return (
    <section class="screen">
      <header class="screen-head"><h1>Jobs</h1><button type="button" class="btn small" onClick={j.reload}>Refresh</button></header>
      <Problem text={error || j.error} />
      <Notice text={notice} />
      {!d.redis_available && <Problem text="The job queue (Redis) is unavailable; only the schedules are shown." />}
      {d.queues.map((q) => (
        <div class="stats" aria-label={`Queue ${q.name}`}>
          <Stat label={`${q.name}: ready`} value={num(q.ready)} />
          <Stat label="In progress" value={num(q.pending)} />
          <Stat label="Retrying" value={num(q.delayed)} />
          <Stat label="Dead letters" value={num(q.dead)} />
        </div>
      ))}
      <h2>Dead letters</h2>
      {d.dead.length === 0 ? <p class="empty">No dead letters.</p> : (
        <table class="list">
          <thead><tr><th scope="col">Job</th><th scope="col">Error</th><th scope="col">Failed</th><th scope="col" class="num">Attempts</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {d.dead.map((x) => (
              <tr>
                <td><strong>{x.type}</strong><br /><span class="mono small">{x.job_id}</span>
                  {x.payload && x.payload !== '{}' && <><br /><code class="small">{x.payload}</code></>}</td>
                <td class="error-text">{x.error || '–'}</td>
                <td>{when(x.failed_at)}</td>
                <td class="num">{x.attempt}</td>
                <td><Act small kind="primary" run={() => post(`/api/admin/jobs/dead/${enc(x.dead_id)}/retry`).then(() => { setNotice(`${x.type} is queued again.`); j.reload(); })} onError={setError}>Retry</Act></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Waiting for a retry</h2>
      {d.retrying.length === 0 ? <p class="empty">Nothing is waiting for a retry.</p> : (
        <table class="list">
          <thead><tr><th scope="col">Job</th><th scope="col">Last error</th><th scope="col">Next attempt</th><th scope="col" class="num">Attempt</th></tr></thead>
          <tbody>
            {d.retrying.map((x) => (
              <tr><td><strong>{x.type}</strong><br /><span class="mono small">{x.job_id}</span></td><td class="error-text">{x.last_error || '–'}</td><td>{when(x.due_at)}</td><td class="num">{x.attempt}</td></tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Schedules</h2>
      <table class="list">
        <thead><tr><th scope="col">Job</th><th scope="col">Last run</th><th scope="col" class="num">Runs</th></tr></thead>
        <tbody>
          {d.schedules.map((s) => <tr><td class="mono">{s.name}</td><td>{s.last_run_at ? `${when(s.last_run_at)} (${ago(s.last_run_at)})` : 'never'}</td><td class="num">{num(s.runs)}</td></tr>)}
        </tbody>
      </table>
      {d.schedules.length === 0 && <p class="empty">No schedule has run yet (is the worker running?).</p>}
    </section>
  );
}
