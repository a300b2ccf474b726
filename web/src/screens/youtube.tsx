// youtube: connect YouTube (read-only); every video liked after connecting brings a chatling.
// Video titles come from YouTube: untrusted text, shown as text.
import { ApiError, del, listOf, post } from '../api';
import { CreatureArt, Empty, Gate, Screen } from '../components';
import { timeAgo } from '../game';
import { useAction, useApi } from '../hooks';
import { useRoute } from '../router';
import { toast } from '../store';

export function YouTube() {
  const st = useApi<any>('/api/youtube/likes');
  const { query } = useRoute();
  const { busy, run } = useAction();
  const conn = st.data?.connection ?? st.data?.youtube ?? null;
  const connected = !!(conn && (conn.status ?? 'active') !== 'revoked' && (conn.connected ?? true)) || st.data?.connected === true;
  const likes = listOf<any>(st.data, 'likes', 'items');
  const justConnected = query.get('connected') === '1';
  async function sync() {
    await run(async () => {
      try {
        await post('/api/youtube/sync');
        toast('Checking your likes… new chatlings will appear soon.', 'good');
        setTimeout(() => st.reload(), 3000);
      } catch (e) {
        toast((e as ApiError).message, 'bad');
      }
    });
  }
  async function disconnect() {
    if (!confirm('Disconnect YouTube? Chatlings you already got stay with you.')) return;
    await run(async () => {
      try {
        await del('/api/youtube/connection');
        toast('YouTube disconnected.', 'info');
        await st.reload();
      } catch (e) {
        toast((e as ApiError).message, 'bad');
      }
    });
  }
  return (
    <Screen title="YouTube" back="/me" sub="Like videos on YouTube, get chatlings here.">
      <Gate state={st} what="YouTube rewards">
        {() => (
          <>
            <div class="card yt-card">
              <span class="yt-logo" aria-hidden="true">▶</span>
              <div class="yt-main">
                {connected ? (
                  <>
                    <h2>Connected {justConnected && '🎉'}</h2>
                    <p class="muted">We look at your liked videos every 15 minutes while you play.{conn?.last_checked_at ? ` Last checked ${timeAgo(conn.last_checked_at)}.` : ''}</p>
                    <div class="yt-actions">
                      <button class="btn btn-small" type="button" disabled={busy} onClick={sync}>Check now</button>
                      <button class="btn btn-small btn-ghost" type="button" disabled={busy} onClick={disconnect}>Disconnect</button>
                    </div>
                  </>
                ) : (
                  <>
                    <h2>Connect YouTube</h2>
                    <p class="muted">Read-only access to your likes. Each video you like after connecting brings one chatling — sometimes the creator’s own!</p>
                    <a class="btn" href="/api/youtube/connect" data-external>Connect YouTube</a>
                  </>
                )}
              </div>
            </div>
            <h2 class="section-title">Chatlings from your likes</h2>
            {likes.length ? (
              <ul class="likes">
                {likes.map((l) => (
                  <li key={l.video_id} class="card like">
                    {l.creature ? <CreatureArt c={l.creature} /> : <span class="like-wait" aria-hidden="true">⏳</span>}
                    <div>
                      <strong class="like-title">{l.title || 'A video you liked'}</strong>
                      <p class="muted">{l.creature ? `${l.creature.name} joined ${timeAgo(l.rewarded_at ?? l.liked_at)}` : 'A chatling is on its way'}</p>
                    </div>
                  </li>
                ))}
              </ul>
            ) : (
              <Empty icon="👍" title="No liked videos yet"><p>{connected ? 'Like a video on YouTube and check back.' : 'Connect YouTube to start.'}</p></Empty>
            )}
          </>
        )}
      </Gate>
    </Screen>
  );
}
