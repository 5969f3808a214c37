-- A read model that cannot apply an event (its Apply or its tables refuse
-- it, every time, not for an outage) stops at that event with a row here,
-- while the other read models go on. The row names the event and the error
-- for `econf projections status` and /readyz; `econf projections retry`
-- sets retry_requested_at, and the running handler then tries the event
-- again: it deletes the row when the event applies, and counts another
-- attempt when it does not. A row whose generation is no longer active (a
-- rebuild switched past the event) no longer stalls anything.
CREATE TABLE projection_stalls (
    name               text        PRIMARY KEY,
    generation         int         NOT NULL,
    kind               text        NOT NULL,
    event_id           uuid        NOT NULL,
    event_type         text        NOT NULL,
    stream_id          text        NOT NULL,
    event_number       bigint      NOT NULL,
    position_commit    bigint      NOT NULL,
    position_prepare   bigint      NOT NULL,
    error              text        NOT NULL,
    attempts           int         NOT NULL DEFAULT 1,
    since              timestamptz NOT NULL DEFAULT now(),
    last_attempt_at    timestamptz NOT NULL DEFAULT now(),
    retry_requested_at timestamptz
);
