// live: the one WebSocket to /ws while signed in: live chat for the open room and live
// notifications for the bell. Reconnects with backoff. When the socket cannot be opened at
// all (the server has no /ws yet, or a proxy refuses it), the bell falls back to polling.
import { get, listOf } from './api';
import { session, toast, unread } from './store';

type Handler = (msg: any) => void;
const handlers = new Set<Handler>();
let ws: WebSocket | null = null;
let wanted = false;
let attempts = 0;
let everOpened = false;
let pollTimer: ReturnType<typeof setInterval> | null = null;
let joined = new Set<string>();
export const liveState = { connected: false };

export function onLive(fn: Handler): () => void {
  handlers.add(fn);
  return () => handlers.delete(fn);
}

export function sendLive(msg: object): boolean {
  if (ws && ws.readyState === WebSocket.OPEN) {
    ws.send(JSON.stringify(msg));
    return true;
  }
  return false;
}

// the protocol of api/live_chat.c: {"type":"join"|"leave","room":ID}, {"type":"say",...}
export function joinRoom(id: string) {
  joined.add(id);
  sendLive({ type: 'join', room: id });
}
export function leaveRoom(id: string) {
  joined.delete(id);
  sendLive({ type: 'leave', room: id });
}

let refSeq = 0;
const pendingSays = new Map<string, { resolve: (v: any) => void; reject: (e: Error) => void }>();
/** Says a line in a room over the socket; resolves on the server's "sent", rejects on "error". */
export function say(room: string, text: string): Promise<any> {
  const ref = `r${++refSeq}`;
  return new Promise((resolve, reject) => {
    if (!sendLive({ type: 'say', room, text, ref })) {
      reject(new Error('not connected'));
      return;
    }
    pendingSays.set(ref, { resolve, reject });
    setTimeout(() => {
      if (pendingSays.delete(ref)) reject(new Error('The message was not confirmed. Check your connection.'));
    }, 8000);
  });
}

export async function refreshUnread() {
  try {
    const r = await get('/api/user/notifications?limit=1');
    const n = typeof r?.unread === 'number' ? r.unread : typeof r?.unread_count === 'number' ? r.unread_count
      : listOf(r, 'notifications', 'items').filter((x: any) => !x.read_at).length;
    unread.set(n);
  } catch {
    /* the bell keeps its last count */
  }
}

function startPolling() {
  if (pollTimer) return;
  pollTimer = setInterval(() => {
    if (document.visibilityState === 'visible') refreshUnread();
  }, 30000);
}

function connect() {
  if (!wanted || ws) return;
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  let sock: WebSocket;
  try {
    sock = new WebSocket(url);
  } catch {
    startPolling();
    return;
  }
  ws = sock;
  sock.onopen = () => {
    attempts = 0;
    everOpened = true;
    liveState.connected = true;
    for (const id of joined) sock.send(JSON.stringify({ type: 'join', room: id }));
    for (const h of handlers) h({ type: 'live:open' });
  };
  sock.onmessage = (ev) => {
    let msg: any;
    try {
      msg = JSON.parse(ev.data);
    } catch {
      return;
    }
    if ((msg?.type === 'sent' || msg?.type === 'error') && typeof msg.ref === 'string' && pendingSays.has(msg.ref)) {
      const p = pendingSays.get(msg.ref)!;
      pendingSays.delete(msg.ref);
      if (msg.type === 'sent') p.resolve(msg);
      else p.reject(new Error(typeof msg.message === 'string' ? msg.message : 'The message was refused.'));
    }
    if (msg?.type === 'notification') {
      unread.update((n) => n + 1);
      const n = msg.notification || msg;
      if (typeof n.title === 'string') toast(n.title, 'good');
    }
    for (const h of handlers) h(msg);
  };
  sock.onclose = () => {
    ws = null;
    liveState.connected = false;
    for (const h of handlers) h({ type: 'live:closed' });
    if (!wanted) return;
    attempts++;
    if (!everOpened && attempts >= 3) {
      startPolling();
      // keep trying now and then: /ws may appear after a deploy
      setTimeout(connect, 60000);
      return;
    }
    setTimeout(connect, Math.min(30000, 500 * 2 ** attempts));
  };
}

export function startLive() {
  if (wanted) return;
  wanted = true;
  refreshUnread();
  connect();
}

export function stopLive() {
  wanted = false;
  joined = new Set();
  if (pollTimer) clearInterval(pollTimer);
  pollTimer = null;
  ws?.close();
  ws = null;
}

session.subscribe((s) => {
  if (s.status === 'in') startLive();
  else stopLive();
});
