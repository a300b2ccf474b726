// shop: spend motes. The server decides prices and effects; purchases are atomic there.
import { useState } from 'preact/hooks';
import { ApiError, listOf, post } from '../api';
import { Gate, Modal, Motes, Screen } from '../components';
import { useAction, useApi } from '../hooks';
import { refreshMe } from '../session';
import { session, toast, useStore } from '../store';

const ICON: Record<string, string> = { avatar_reset: '🎨', extra_box: '🎁', encounter_refresh: '🌿' };
const AFTER: Record<string, [string, string]> = {
  avatar_reset: ['/avatar', 'Pick a new avatar'],
  extra_box: ['/box', 'Open your box'],
  encounter_refresh: ['/encounters', 'Meet new chatlings'],
};

export function Shop() {
  const st = useApi<any>('/api/shop/items');
  const s = useStore(session);
  const [confirm, setConfirm] = useState<any | null>(null);
  const [bought, setBought] = useState<string | null>(null);
  const { busy, run } = useAction();
  const motes = s.status === 'in' ? s.user.motes : 0;
  const items = listOf<any>(st.data, 'items', 'products');
  async function buy(item: any) {
    await run(async () => {
      try {
        await post('/api/shop/purchase', { item_id: item.id ?? item.item_id ?? item.key });
        await refreshMe();
        setConfirm(null);
        setBought(item.id ?? item.item_id ?? item.key);
        toast(`${item.name} bought!`, 'good');
      } catch (e) {
        setConfirm(null);
        toast((e as ApiError).message, 'bad', 5000);
      }
    });
  }
  return (
    <Screen title="Shop" back="/me" sub={<>You have <Motes n={motes} /></>}>
      <Gate state={st} what="The shop">
        {() => (
          <ul class="shop">
            {items.map((it) => {
              const id = it.id ?? it.item_id ?? it.key;
              const poor = motes < it.price;
              return (
                <li key={id} class="card shop-item">
                  <span class="shop-icon" aria-hidden="true">{ICON[id] ?? '✨'}</span>
                  <div class="shop-main">
                    <strong>{it.name}</strong>
                    <p class="muted">{it.description}</p>
                    {bought === id && AFTER[id] && <a class="link" href={AFTER[id][0]}>{AFTER[id][1]} →</a>}
                  </div>
                  <button class="btn" type="button" disabled={poor || busy} onClick={() => setConfirm(it)} aria-label={`Buy ${it.name} for ${it.price} motes`}>
                    <Motes n={it.price} />
                  </button>
                </li>
              );
            })}
          </ul>
        )}
      </Gate>
      <p class="muted center">Earn motes from your daily box (+5) and from achievements.</p>
      <Modal open={!!confirm} onClose={() => setConfirm(null)} title="Confirm purchase">
        {confirm && (
          <div class="center">
            <p class="modal-icon" aria-hidden="true">{ICON[confirm.id ?? confirm.item_id] ?? '✨'}</p>
            <h2>Buy {confirm.name}?</h2>
            <p>It costs <Motes n={confirm.price} />. You will have <Motes n={motes - confirm.price} /> left.</p>
            <div class="center">
              <button class="btn" type="button" disabled={busy} onClick={() => buy(confirm)}>{busy ? 'Buying…' : 'Buy it'}</button>
              <button class="btn btn-secondary" type="button" onClick={() => setConfirm(null)}>Not now</button>
            </div>
          </div>
        )}
      </Modal>
    </Screen>
  );
}
