// avatar: the player's picture, picked from 9 procedurally drawn candidates. The first pick is
// free; changing it later needs an Avatar reset from the shop.
import { useState } from 'preact/hooks';
import { ApiError, listOf, put } from '../api';
import { ErrorBox, Screen, Spinner } from '../components';
import { standInArt } from '../game';
import { useAction, useApi } from '../hooks';
import { refreshMe } from '../session';
import { session, toast, useStore } from '../store';

const BG = ['#ffe08a', '#b5f0d8', '#c7dbff', '#e6ccff', '#ffd0e0', '#ffdcc2', '#d7f5a8', '#c4efff', '#f3e8ff'];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A player's avatar: the server draws candidate n (0..8) of a player at /avatars/:id/:n;
 * without a chosen one (or an id) a stand-in is drawn here. */
export function avatarUrl(u: { id?: string; username?: string; avatar_n?: number | null; avatar_url?: string }): string {
  if (u.avatar_url) return u.avatar_url;
  const n = u.avatar_n ?? null;
  // no avatar chosen yet: the first candidate stands in
  if (u.id && UUID.test(u.id)) return `/avatars/${u.id}/${n ?? 0}`;
  const k = n ?? 0;
  return standInArt({ id: `${u.id ?? u.username ?? 'x'}:${k}`, name: '', rarity: 'Common' }, BG[k % BG.length]);
}

function candidateSrc(c: any, uid: string): string {
  if (typeof c?.url === 'string') return c.url;
  if (typeof c?.svg === 'string') return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(c.svg)}`;
  if (typeof c?.data_url === 'string' && c.data_url.startsWith('data:image/')) return c.data_url;
  const n = typeof c === 'number' ? c : c?.n ?? 0;
  return UUID.test(uid) ? `/avatars/${uid}/${n}` : avatarUrl({ id: uid, avatar_n: n });
}

export function AvatarScreen() {
  const s = useStore(session);
  const st = useApi<any>('/api/user/avatar/candidates');
  const [sel, setSel] = useState<number | null>(null);
  const { busy, run } = useAction();
  if (s.status !== 'in') return null;
  const u = s.user;
  const cands = listOf<any>(st.data, 'candidates', 'avatars', 'items');
  const current = st.data?.current ?? u.avatar_n;
  async function choose() {
    if (sel === null) return;
    await run(async () => {
      try {
        await put('/api/user/avatar', { n: sel });
        await refreshMe();
        toast('Looking good! ✨', 'good');
      } catch (e) {
        const ae = e as ApiError;
        if (ae.missing) toast('Choosing an avatar is coming soon.', 'info');
        else if (ae.status === 402 || ae.status === 409 || ae.code === 'payment_required')
          toast('Changing your avatar needs an Avatar reset from the shop.', 'info', 5000);
        else toast(ae.message, 'bad');
      }
    });
  }
  return (
    <Screen title="Avatar" back="/me" sub={current === null || current === undefined ? 'Pick your look — the first one is free.' : 'Changing it needs an Avatar reset (299 motes).'}>
      {st.loading && !st.data && !st.error ? <Spinner /> : st.error && !st.error.missing ? <ErrorBox error={st.error} retry={st.reload} /> : (
          <>
            <ul class="avatars" role="radiogroup" aria-label="Avatars">
              {(cands.length ? cands : Array.from({ length: 9 }, (_, i) => ({ n: i }))).map((c: any, i: number) => {
                const n = typeof c === 'number' ? c : c.n ?? i;
                return (
                  <li key={n}>
                    <button type="button" role="radio" aria-checked={sel === n} class={`avatar-pick ${sel === n ? 'is-on' : ''} ${current === n ? 'is-current' : ''}`} onClick={() => setSel(n)}>
                      <img src={candidateSrc(c, u.id)} width="96" height="96" alt={`Avatar ${n + 1}`} />
                      {current === n && <span class="tag">Current</span>}
                    </button>
                  </li>
                );
              })}
            </ul>
            <div class="center">
              <button class="btn btn-big" type="button" disabled={sel === null || sel === current || busy} onClick={choose}>Use this avatar</button>
              <a class="btn btn-secondary" href="/shop">Shop</a>
            </div>
          </>
      )}
    </Screen>
  );
}
