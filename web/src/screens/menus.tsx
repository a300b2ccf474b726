// menus: the Play hub (every mini-game) and the Me page (profile and everything personal).
import { Motes, Screen } from '../components';
import { session, unread, useStore } from '../store';
import { avatarUrl } from './avatar';

function Tile({ href, icon, name, meta, cls }: { href: string; icon: string; name: string; meta: string; cls: string }) {
  return (
    <a class={`quick-tile ${cls}`} href={href}>
      <span class="quick-icon" aria-hidden="true">{icon}</span>
      <span class="quick-name">{name}</span>
      <span class="quick-meta">{meta}</span>
    </a>
  );
}

export function Play() {
  return (
    <Screen title="Play">
      <div class="quick quick-big">
        <Tile href="/box" icon="🎁" name="Daily box" meta="Free chatling every day" cls="q-box" />
        <Tile href="/encounters" icon="🌿" name="Encounters" meta="3 wild chatlings a day" cls="q-enc" />
        <Tile href="/team" icon="🛡️" name="Team" meta="Your best five" cls="q-team" />
        <Tile href="/idle" icon="💗" name="Affection" meta="Idle businesses" cls="q-idle" />
        <Tile href="/runaways" icon="🏃" name="Runaways" meta="Bring them home" cls="q-run" />
        <Tile href="/chat" icon="💬" name="Chatrooms" meta="Today’s talk" cls="q-chat" />
      </div>
    </Screen>
  );
}

export function Me() {
  const s = useStore(session);
  const n = useStore(unread);
  if (s.status !== 'in') return null;
  const u = s.user;
  return (
    <Screen title="Me">
      <div class="card me-card">
        <img class="me-avatar" src={avatarUrl(u)} width="88" height="88" alt="" />
        <div>
          <h2>{u.username}</h2>
          <p><Motes n={u.motes} /></p>
          {u.created_at && <p class="muted">Playing since {new Date(u.created_at).toLocaleDateString()}</p>}
        </div>
      </div>
      <div class="quick">
        <Tile href="/achievements" icon="🏅" name="Achievements" meta="Unlock and earn" cls="q-ach" />
        <Tile href="/notifications" icon="🔔" name="Notifications" meta={n ? `${n} unread` : 'All caught up'} cls="q-note" />
        <Tile href="/shop" icon="🛍️" name="Shop" meta="Spend motes" cls="q-shop" />
        <Tile href="/avatar" icon="🎨" name="Avatar" meta="Your look" cls="q-avatar" />
        <Tile href="/youtube" icon="▶️" name="YouTube" meta="Likes bring chatlings" cls="q-yt" />
        <Tile href="/settings" icon="⚙️" name="Settings" meta="Name, data, account" cls="q-set" />
      </div>
    </Screen>
  );
}
