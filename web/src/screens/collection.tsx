// collection: every chatling the player owns, as a grid with rarity / body-type filters,
// sorting and paging. Each tile opens the creature card.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, get, listOf, qs } from '../api';
import { ComingSoon, CreatureTile, Empty, ErrorBox, Screen, Spinner } from '../components';
import { BODY_TYPES, RARITIES } from '../game';
import type { Creature } from '../store';

/** The API's sorts (first_found, rarity, name, overall) with a direction. */
export const SORTS = [
  { v: 'newest', label: 'Newest first', sort: 'first_found', order: 'desc' },
  { v: 'oldest', label: 'Oldest first', sort: 'first_found', order: 'asc' },
  { v: 'rarity', label: 'Rarest first', sort: 'rarity', order: 'desc' },
  { v: 'overall', label: 'Best overall', sort: 'overall', order: 'desc' },
  { v: 'name', label: 'Name A–Z', sort: 'name', order: 'asc' },
];
const PAGE = 48;

/** Collection entries seen so far, by creature id (the creature card shows rizz, glow, mood). */
export const owned = new Map<string, Creature>();

/** One page of the player's collection (shape-tolerant). */
export async function loadCollection(params: Record<string, string | number | undefined>) {
  const r = await get(`/api/user/collection${qs({ limit: PAGE, ...params })}`);
  const items = listOf<Creature>(r, 'creatures', 'collection', 'items').map((x: any) => (x.creature ? { ...x.creature, ...x, creature: undefined } : x));
  const total: number | undefined = r?.total ?? r?.pagination?.total;
  for (const c of items) owned.set(c.id, c);
  return { items, total };
}

export function Collection() {
  const [rarity, setRarity] = useState('');
  const [body, setBody] = useState('');
  const [sort, setSort] = useState('newest');
  const [page, setPage] = useState(1);
  const [items, setItems] = useState<Creature[]>([]);
  const [total, setTotal] = useState<number | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ApiError | null>(null);

  useEffect(() => {
    let live = true;
    setLoading(true);
    const so = SORTS.find((x) => x.v === sort) ?? SORTS[0];
    loadCollection({ rarity, body_type: body, sort: so.sort, order: so.order, page })
      .then((r) => {
        if (!live) return;
        setItems((old) => (page === 1 ? r.items : [...old, ...r.items]));
        setTotal(r.total);
        setError(null);
      })
      .catch((e) => live && setError(e))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [rarity, body, sort, page]);

  const reset = (fn: () => void) => {
    fn();
    setPage(1);
  };
  if (error?.missing) return <Screen title="Collection"><ComingSoon what="The collection" /></Screen>;
  const more = total !== undefined ? items.length < total : items.length === page * PAGE;
  return (
    <Screen title="Collection" sub={total !== undefined ? `${total} chatling${total === 1 ? '' : 's'} found` : undefined}>
      <div class="filters" role="group" aria-label="Filter and sort">
        <div class="chips" role="radiogroup" aria-label="Rarity">
          {['', ...RARITIES].map((r) => (
            <button key={r || 'all'} type="button" role="radio" aria-checked={rarity === r}
              class={`chip-btn ${r ? `r-${r.toLowerCase()}` : ''} ${rarity === r ? 'is-on' : ''}`}
              onClick={() => reset(() => setRarity(r))}>
              {r || 'All'}
            </button>
          ))}
        </div>
        <div class="filter-row">
          <label class="select">
            <span class="sr-only">Body type</span>
            <select value={body} onChange={(e) => reset(() => setBody((e.target as HTMLSelectElement).value))}>
              <option value="">All body types</option>
              {BODY_TYPES.map((b) => <option key={b} value={b}>{b}</option>)}
            </select>
          </label>
          <label class="select">
            <span class="sr-only">Sort</span>
            <select value={sort} onChange={(e) => reset(() => setSort((e.target as HTMLSelectElement).value))}>
              {SORTS.map((s) => <option key={s.v} value={s.v}>{s.label}</option>)}
            </select>
          </label>
        </div>
      </div>
      {error && !items.length ? (
        <ErrorBox error={error} retry={() => setPage(1)} />
      ) : loading && !items.length ? (
        <Spinner />
      ) : !items.length ? (
        <Empty icon="🔍" title={rarity || body ? 'No chatlings match' : 'No chatlings yet'}>
          <p>{rarity || body ? 'Try another filter.' : 'Open your daily box or meet an encounter to find some.'}</p>
        </Empty>
      ) : (
        <>
          <ul class="grid" aria-label="Your chatlings">
            {items.map((c) => (
              <li key={c.id}>
                <CreatureTile c={c} href={`/creature/${c.id}`}>
                  {c.status === 'runaway' && <span class="tile-flag">Ran away</span>}
                  {!!c.rizz && <span class="tile-rizz" title="Rizz">✨{c.rizz}</span>}
                </CreatureTile>
              </li>
            ))}
          </ul>
          {more && (
            <div class="center">
              <button class="btn btn-secondary" type="button" disabled={loading} onClick={() => setPage(page + 1)}>
                {loading ? 'Loading…' : 'Show more'}
              </button>
            </div>
          )}
        </>
      )}
    </Screen>
  );
}
