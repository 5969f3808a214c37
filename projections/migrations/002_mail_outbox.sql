-- The durable mail queue (outbox). Rows are written in the transaction of
-- whatever caused them (the notifications projection, a registration code)
-- and drained by internal/mail. The dedupe key (causing event id +
-- template) is unique, so a redelivered event, a retried command or a
-- projection rebuild never queues a second mail for the same cause. Sent rows
-- stay as the ledger of that key; their data (which may hold a one-time code)
-- is cleared once sent.
CREATE TABLE mail_outbox (
    id              uuid        PRIMARY KEY,
    dedupe_key      text        NOT NULL UNIQUE,
    template        text        NOT NULL,
    recipient       text        NOT NULL,
    data            jsonb       NOT NULL,
    attempts        int         NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    leased_until    timestamptz,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL;

-- When each mailing projection first started: events stored before it are
-- history and are not mailed (deploying the notifier must not mail every
-- decision ever taken).
CREATE TABLE mail_epoch (
    name  text        PRIMARY KEY,
    since timestamptz NOT NULL DEFAULT now()
);
