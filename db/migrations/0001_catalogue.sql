-- 0001_catalogue: the creature catalogue and its reference data (body types, traits).
-- Rows come from `chatlings seed`; this file only shapes the tables. The API code depends
-- on these exact table and column names. Runs inside one transaction (see src/store/migrate.c).

-- Trigram search for the catalogue's ?q= filter. pg_trgm is a trusted extension, so the
-- database owner may create it without superuser (also allow-listed on Azure Flexible Server).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE body_types (
    id          smallint PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    description text NOT NULL
);

CREATE TABLE trait_categories (
    id          smallint PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    description text NOT NULL
);

-- Each body type's base profile; a creature's trait = base + rarity bonus + noise.
CREATE TABLE body_type_traits (
    body_type_id smallint NOT NULL REFERENCES body_types,
    trait_id     smallint NOT NULL REFERENCES trait_categories,
    base_score   smallint NOT NULL CHECK (base_score BETWEEN 0 AND 100),
    PRIMARY KEY (body_type_id, trait_id)
);

CREATE TABLE creatures (
    id            uuid PRIMARY KEY,
    seq           integer NOT NULL UNIQUE,   -- catalogue index: stable order for keyset paging
    name          text NOT NULL,
    short_name    text NOT NULL,
    body_type_id  smallint NOT NULL REFERENCES body_types,
    rarity        text NOT NULL
                  CHECK (rarity IN ('Common','Uncommon','Rare','Epic','Legendary','Mythical')),
    colour_scheme text NOT NULL,
    vibe          text NOT NULL,
    art_key       text,
    thumb_key     text,
    is_active     boolean NOT NULL DEFAULT true,
    deleted_at    timestamptz,               -- soft delete: gone from the catalogue, kept in collections
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Names are unique regardless of case (the generator and admin renames both rely on it).
CREATE UNIQUE INDEX idx_creatures_name_lower ON creatures (lower(name));
-- The public catalogue pages through active creatures in generation order.
CREATE INDEX idx_creatures_active_seq ON creatures (seq) WHERE deleted_at IS NULL AND is_active;
-- Catalogue listing filtered by rarity or body type, paged by seq; soft-deleted rows never listed.
CREATE INDEX idx_creatures_rarity_seq ON creatures (rarity, seq) WHERE deleted_at IS NULL;
CREATE INDEX idx_creatures_body_type_seq ON creatures (body_type_id, seq) WHERE deleted_at IS NULL;
-- Substring search: WHERE lower(name) LIKE '%' || lower($1) || '%' uses this index.
CREATE INDEX idx_creatures_name_trgm ON creatures USING gin (lower(name) gin_trgm_ops);

CREATE TABLE creature_traits (
    creature_id uuid NOT NULL REFERENCES creatures ON DELETE CASCADE,
    trait_id    smallint NOT NULL REFERENCES trait_categories,
    score       smallint NOT NULL CHECK (score BETWEEN 0 AND 100),
    PRIMARY KEY (creature_id, trait_id)
);
