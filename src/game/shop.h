/* shop: what the shop sells (GAME.md "Motes and shop") and for how many motes. Pure data; the
 * purchase itself (atomic debit and the item's effect) lives in api/shop.c. */
#ifndef CHATLINGS_SHOP_H
#define CHATLINGS_SHOP_H

typedef enum { SHOP_AVATAR_RESET, SHOP_EXTRA_BOX, SHOP_ENCOUNTER_REFRESH, SHOP_ITEM_COUNT } shop_item_id_t;

typedef struct shop_item {
    shop_item_id_t id;
    const char *key;          /* the item_id of the API: "avatar_reset", ... */
    const char *name;
    const char *description;
    int price;                /* motes */
} shop_item_t;

extern const shop_item_t SHOP_ITEMS[SHOP_ITEM_COUNT];

/* The item with this key, or NULL. */
const shop_item_t *shop_find(const char *key);

#endif
