-- Up Migration

-- Brands, each of a group or none: a fashion group's sub-brands share one membership (one points
-- balance, as every member has) and campaigns may be conditioned on a brand or on a whole group.
-- A store names its brand; a brand a store names is created with it. (Citus: a reference table.)
CREATE TABLE brands (
  id         text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 100),
  name       text NOT NULL,
  group_id   text CHECK (group_id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX brands_group_idx ON brands (group_id) WHERE group_id IS NOT NULL;
INSERT INTO brands (id, name) SELECT DISTINCT brand, brand FROM stores WHERE brand IS NOT NULL;
ALTER TABLE stores ADD CONSTRAINT stores_brand_fkey FOREIGN KEY (brand) REFERENCES brands (id);

-- Down Migration

ALTER TABLE stores DROP CONSTRAINT stores_brand_fkey;
DROP TABLE brands;
