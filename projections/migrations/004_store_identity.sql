-- The event store the checkpoints in projection_state were taken in (its
-- store_identity). Written at the first start; a checkpoint is a position
-- in that store only, so a start against another store is refused until
-- `econf restore` has moved the checkpoints (see CheckStore).
CREATE TABLE projection_store (
    singleton  boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    store_id   uuid        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
