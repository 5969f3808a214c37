-- The event log. position is the order of insertion; tx_id is the writing
-- transaction, and $all is read in (tx_id, position) order and only below
-- the oldest running transaction, so no event can commit behind a reader.
CREATE TABLE events (
    position  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stream_id text        NOT NULL,
    number    bigint      NOT NULL CHECK (number > 0),
    event_id  uuid        NOT NULL CONSTRAINT events_event_id_key UNIQUE,
    type      text        NOT NULL,
    data      json        NOT NULL, -- json, not jsonb: the bytes must round-trip exactly
    metadata  json        NOT NULL,
    created   timestamptz NOT NULL DEFAULT now(),
    tx_id     xid8        NOT NULL DEFAULT pg_current_xact_id(),
    CONSTRAINT events_stream_number_key UNIQUE (stream_id, number)
);

-- $all reads: WHERE (tx_id, position) > (...) AND tx_id < xmin ORDER BY tx_id, position.
CREATE INDEX events_all_order ON events (tx_id, position);
