-- Read models live in one schema per projection generation; the rm schema
-- holds views onto the active generation of each.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE SCHEMA IF NOT EXISTS rm;

CREATE TABLE projection_state (
    name               text        NOT NULL,
    generation         int         NOT NULL,
    version            int         NOT NULL,
    schema_name        text        NOT NULL,
    status             text        NOT NULL CHECK (status IN ('building', 'active', 'retired')),
    checkpoint_commit  bigint      NOT NULL DEFAULT 0,
    checkpoint_prepare bigint      NOT NULL DEFAULT 0,
    events_applied     bigint      NOT NULL DEFAULT 0,
    last_event_at      timestamptz,
    last_error         text,
    last_error_at      timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (name, generation)
);
CREATE UNIQUE INDEX projection_state_one_active ON projection_state (name) WHERE status = 'active';
