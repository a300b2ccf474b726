// chat: chatrooms. The list of open rooms; a room shows today's conversation voiced by the
// player's own chatlings (toned by the attitude sliders), a "read it" action that gives the
// chatlings their glow, and the live chat with other players (WebSocket, polling as fallback).
// Everything other players write is rendered as text, never as markup.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, get, listOf, post, put } from '../api';
import { CreatureArt, Empty, Gate, Screen, Spinner } from '../components';
import { cap, clock, timeAgo } from '../game';
import { type Loaded, useAction, useApi } from '../hooks';
import { joinRoom, leaveRoom, liveState, onLive, say } from '../live';
import { session, toast, useStore } from '../store';
import { avatarUrl } from './avatar';

export function Chatrooms() {
  const st = useApi<any>('/api/chatrooms');
  const rooms = listOf<any>(st.data, 'rooms');
  return (
    <Screen title="Chatrooms" sub="Your chatlings talk about today’s topics. Read along and join the live chat.">
      <Gate state={st} what="Chatrooms">
        {() =>
          rooms.length ? (
            <ul class="room-list">
              {rooms.map((r) => (
                <li key={r.id}>
                  <a class={`card room ${r.open === false ? 'is-closed' : ''}`} href={`/chat/${r.id}`}>
                    <span class="room-icon" aria-hidden="true">{r.youtube_video_id ? '▶️' : '💬'}</span>
                    <span class="room-main">
                      <strong>{r.title}</strong>
                      {r.topic && <span class="muted">{r.topic}</span>}
                    </span>
                    <span class="room-meta">
                      {r.open === false ? <span class="tag">Closed</span> : <span class="pill pill-good">Open</span>}
                      {r.read_at && <span class="tag">Read ✓</span>}
                    </span>
                  </a>
                </li>
              ))}
            </ul>
          ) : (
            <Empty icon="🌤️" title="No rooms open right now"><p>A new room opens every day. Check back soon!</p></Empty>
          )
        }
      </Gate>
    </Screen>
  );
}

function Attitude() {
  const st = useApi<any>('/api/user/chat-attitude');
  const [v, setV] = useState<Record<string, number>>({ enthusiasm: 5, criticism: 5, humour: 5 });
  const { busy, run } = useAction();
  useEffect(() => {
    const a = st.data;
    if (a) setV({ enthusiasm: a.enthusiasm ?? 5, criticism: a.criticism ?? 5, humour: a.humour ?? a.humor ?? 5 });
  }, [st.data]);
  if (st.error?.missing) return null;
  return (
    <details class="card attitude">
      <summary>🎚️ Attitude: how your chatlings talk</summary>
      {['enthusiasm', 'criticism', 'humour'].map((k) => (
        <label class="slider" key={k}>
          <span>{cap(k)}</span>
          <input type="range" min={1} max={10} step={1} value={v[k]}
            onInput={(e) => setV({ ...v, [k]: Number((e.target as HTMLInputElement).value) })} />
          <output>{v[k]}</output>
        </label>
      ))}
      <button class="btn btn-small" type="button" disabled={busy} onClick={() => run(async () => {
        try {
          await put('/api/user/chat-attitude', v);
          toast('Attitude saved — the next conversation will sound like it.', 'good');
        } catch (e) {
          toast((e as ApiError).message, 'bad');
        }
      })}>Save attitude</button>
    </details>
  );
}

function Thread({ id, st }: { id: string; st: Loaded<any> }) {
  const [effects, setEffects] = useState<any[] | null>(null);
  const { busy, run } = useAction();
  // api/chatrooms.c: {room: {..., read_at}, attitude, speakers, lines: [{n, speaker, chatling: {id, name}, sentiment, text}]}
  const room = st.data?.room;
  const lines = listOf<any>(st.data, 'lines');
  const read = !!room?.read_at || effects !== null;
  async function markRead() {
    await run(async () => {
      try {
        const r = await post(`/api/chatrooms/${encodeURIComponent(id)}/read`);
        const fx = listOf<any>(r, 'chatlings');
        setEffects(fx);
        const away = fx.filter((x) => x.ran_away);
        if (away.length) toast(`Oh no! ${away.map((x) => x.chatling?.name ?? 'A chatling').join(', ')} ran away…`, 'bad', 6000);
        else if (r?.counted === false) toast('You already read this room today.', 'info');
        else toast('Your chatlings enjoyed the chat! ✨', 'good');
      } catch (e) {
        const ae = e as ApiError;
        if (ae.status === 409) setEffects([]);
        else toast(ae.message, 'bad');
      }
    });
  }
  return (
    <Gate state={st} what="This chatroom">
      {() => (
        <div class="thread-wrap">
          {room?.topic && <p class="muted thread-topic">{room.topic}</p>}
          <ol class="thread" aria-label="Conversation">
            {lines.map((l, i) => {
              const who = l.chatling ? { rarity: 'Common', body_type: '', ...l.chatling } : null;
              const name = who?.name ?? `Chatling ${l.speaker ?? ''}`;
              return (
                <li key={i} class={`line s-${l.sentiment ?? 'neutral'} ${i % 2 ? 'odd' : ''}`}>
                  {who ? <CreatureArt c={who} class="line-art" /> : <span class="line-art line-art-blank" aria-hidden="true">💬</span>}
                  <div class="bubble">
                    <span class="bubble-name">{name}</span>
                    <span class="bubble-text">{l.text ?? ''}</span>
                  </div>
                </li>
              );
            })}
          </ol>
          {!lines.length && <p class="muted center">The chatlings are still warming up. Come back in a bit.</p>}
          {lines.length > 0 && (
            <div class="center thread-read">
              {read ? (
                <p class="pill pill-good">You read this room today ✓</p>
              ) : (
                <button class="btn" type="button" disabled={busy} onClick={markRead}>I read it! ✨</button>
              )}
            </div>
          )}
          {effects && effects.length > 0 && (
            <ul class="effects" aria-label="How your chatlings feel">
              {effects.map((e: any, i) => {
                const d = e.glow_change ?? 0;
                return (
                  <li key={i} class={`effect ${d > 0 ? 'up' : d < 0 ? 'down' : ''}`}>
                    <strong>{e.chatling?.name ?? 'Chatling'}</strong> glow {d > 0 ? `+${d}` : d} {e.mood && `· ${e.mood}`}
                  </li>
                );
              })}
            </ul>
          )}
        </div>
      )}
    </Gate>
  );
}

interface Msg { id: string | number; username: string; text: string; created_at?: string; creature?: any; avatar_n?: number; user_id?: string }

/** A chat line: {id, username, chatling: {id, name} | null, text, created_at} (live_chat.c). */
function normMsg(m: any): Msg | null {
  if (!m) return null;
  const x = m.message && typeof m.message === 'object' ? m.message : m;
  if (typeof x.text !== 'string') return null;
  const ch = x.chatling ?? x.creature ?? null;
  return {
    id: x.id ?? `${x.created_at}-${x.username}`,
    username: String(x.username ?? 'someone'),
    text: x.text,
    created_at: x.created_at,
    creature: ch ? { rarity: 'Common', body_type: '', ...ch } : null,
    avatar_n: x.avatar_n,
    user_id: x.user_id,
  };
}

function LiveChat({ id }: { id: string }) {
  const s = useStore(session);
  const [msgs, setMsgs] = useState<Msg[]>([]);
  const [state, setState] = useState<'loading' | 'ok' | 'missing' | 'error'>('loading');
  const [text, setText] = useState('');
  const [live, setLive] = useState(liveState.connected);
  const list = useRef<HTMLOListElement>(null);
  const { busy, run } = useAction();

  const merge = (incoming: Msg[]) =>
    setMsgs((old) => {
      const seen = new Set(old.map((m) => String(m.id)));
      const add = incoming.filter((m) => !seen.has(String(m.id)));
      if (!add.length) return old;
      return [...old, ...add].sort((a, b) => Number(a.id) - Number(b.id)).slice(-200);
    });

  async function load() {
    try {
      const r = await get(`/api/chatrooms/${encodeURIComponent(id)}/messages`);
      const l = listOf<any>(r, 'messages', 'items').map(normMsg).filter(Boolean) as Msg[];
      l.sort((a, b) => Number(a.id) - Number(b.id) || String(a.created_at ?? '').localeCompare(String(b.created_at ?? '')));
      merge(l);
      setState('ok');
    } catch (e) {
      // no history endpoint yet: the socket alone still carries the live conversation
      setState((e as ApiError).missing ? (liveState.connected ? 'ok' : 'missing') : 'error');
    }
  }

  useEffect(() => {
    load();
    joinRoom(id);
    setLive(liveState.connected); // the socket may have opened between render and here
    const off = onLive((m) => {
      if (m.type === 'live:open') setLive(true);
      if (m.type === 'live:closed') setLive(false);
      if (m.type === 'message' && String(m.room ?? m.room_id) === id) {
        const n = normMsg(m);
        if (n) merge([n]);
      }
      if (m.type === 'hidden' || m.type === 'message_hidden') setMsgs((o) => o.filter((x) => String(x.id) !== String(m.id ?? m.message_id)));
    });
    // without a socket, poll
    const t = setInterval(() => {
      if (!liveState.connected && document.visibilityState === 'visible') load();
    }, 4000);
    return () => {
      off();
      leaveRoom(id);
      clearInterval(t);
    };
  }, [id]);

  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [msgs.length]);

  async function send(e: Event) {
    e.preventDefault();
    const t = text.trim();
    if (!t) return;
    await run(async () => {
      try {
        if (liveState.connected) {
          await say(id, t); // the line comes back to every socket in the room, this one included
        } else {
          const r = await post(`/api/chatrooms/${encodeURIComponent(id)}/messages`, { text: t });
          const n = normMsg(r?.message ?? r);
          if (n) merge([n]);
        }
        setText('');
      } catch (err) {
        toast((err as ApiError).message, 'bad');
      }
    });
  }
  async function report(m: Msg) {
    try {
      await post(`/api/chatrooms/${encodeURIComponent(id)}/messages/${encodeURIComponent(String(m.id))}/report`);
      toast('Thanks — a moderator will take a look.', 'good');
    } catch (e) {
      toast((e as ApiError).missing ? 'Reporting is coming soon.' : (e as ApiError).message, 'info');
    }
  }

  if (state === 'missing') return <div class="card livechat"><p class="muted">Live chat is coming soon.</p></div>;
  const me = s.status === 'in' ? s.user.username : '';
  return (
    <div class="card livechat">
      <div class="livechat-head">
        <h2>Live chat</h2>
        <span class={`live-dot ${live ? 'on' : ''}`}>{live ? 'live' : 'connecting…'}</span>
      </div>
      {state === 'loading' ? <Spinner /> : (
        <ol class="msgs" ref={list} aria-live="polite" aria-label="Messages">
          {msgs.length === 0 && <li class="muted center">Say hi! 👋</li>}
          {msgs.map((m) => (
            <li key={m.id} class={`msg ${m.username === me ? 'is-me' : ''}`}>
              {m.creature?.id ? <CreatureArt c={m.creature} class="msg-art" /> : <img class="msg-art" src={avatarUrl({ id: m.user_id ?? m.username, avatar_n: m.avatar_n ?? null })} width="36" height="36" alt="" />}
              <div class="msg-body">
                <span class="msg-who">{m.username} <time class="muted" dateTime={m.created_at} title={timeAgo(m.created_at)}>{clock(m.created_at)}</time></span>
                <span class="msg-text">{m.text}</span>
              </div>
              {m.username !== me && <button class="msg-report" type="button" aria-label={`Report message from ${m.username}`} onClick={() => report(m)}>⚑</button>}
            </li>
          ))}
        </ol>
      )}
      <form class="composer" onSubmit={send}>
        <label class="sr-only" for="chat-input">Message</label>
        <input id="chat-input" value={text} maxLength={500} placeholder="Say something nice…" autoComplete="off"
          onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        <button class="btn" type="submit" disabled={busy || !text.trim()}>Send</button>
      </form>
    </div>
  );
}

export function ChatRoom({ id }: { id: string }) {
  const st = useApi<any>(`/api/chatrooms/${encodeURIComponent(id)}`, [id]);
  const room = st.data?.room;
  const [tab, setTab] = useState<'thread' | 'live'>('thread');
  return (
    <Screen title={room?.title ?? 'Chatroom'} back="/chat" class="room-screen">
      <div class="tabs room-tabs" role="tablist">
        <button type="button" role="tab" aria-selected={tab === 'thread'} class={`tab ${tab === 'thread' ? 'is-on' : ''}`} onClick={() => setTab('thread')}>💬 Conversation</button>
        <button type="button" role="tab" aria-selected={tab === 'live'} class={`tab ${tab === 'live' ? 'is-on' : ''}`} onClick={() => setTab('live')}>⚡ Live chat</button>
      </div>
      <div class={`room-cols show-${tab}`}>
        <div class="room-thread">
          <Attitude />
          <Thread id={id} st={st} />
        </div>
        <div class="room-live">
          <LiveChat id={id} />
        </div>
      </div>
    </Screen>
  );
}
