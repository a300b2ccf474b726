/* shop: the price list. Prices are the contract of GAME.md: 299, 150, 50 motes. */
#include "game/shop.h"

#include <string.h>

const shop_item_t SHOP_ITEMS[SHOP_ITEM_COUNT] = {
    {SHOP_AVATAR_RESET, "avatar_reset", "Avatar reset",
     "Lets you pick a new avatar from the nine candidates once more.", 299},
    {SHOP_EXTRA_BOX, "extra_box", "Extra mystery box",
     "Opens one more mystery box right now; your daily box timer is not touched.", 150},
    {SHOP_ENCOUNTER_REFRESH, "encounter_refresh", "Encounter refresh",
     "Sends today's wild creature away and brings a new one.", 50},
};

const shop_item_t *shop_find(const char *key)
{
    for (int i = 0; i < SHOP_ITEM_COUNT; i++)
        if (key && !strcmp(SHOP_ITEMS[i].key, key))
            return &SHOP_ITEMS[i];
    return NULL;
}
