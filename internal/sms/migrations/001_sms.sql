-- SMS sign-in (R-DEL-07). Operational state, not history: the mobiles and
-- code hashes stay here and never enter the event stream.

-- Codes waiting to be used: one per purpose and subject ('sign-in:<mobile>',
-- 'verify:<user id>'); a new code replaces the old one. A used code's row
-- goes, so a code is good once.
CREATE TABLE sms_codes (
    key        text        PRIMARY KEY,
    code_id    uuid        NOT NULL UNIQUE,
    user_id    uuid        NOT NULL,
    mobile     text        NOT NULL,
    code_hash  bytea       NOT NULL,
    expires_at timestamptz NOT NULL,
    tries      int         NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Codes sent, per mobile ('mobile:<m>') and per client address
-- ('address:<ip>'), for the send limits; rows older than a day go.
CREATE TABLE sms_sends (
    key text        NOT NULL,
    at  timestamptz NOT NULL
);
CREATE INDEX sms_sends_key_at ON sms_sends (key, at);

-- Mobiles an account proved it holds: one account per mobile.
CREATE TABLE verified_mobiles (
    mobile      text        PRIMARY KEY,
    user_id     uuid        NOT NULL UNIQUE,
    verified_at timestamptz NOT NULL
);

-- What the development sender "sent": an operator reads the codes with
-- econf sms list. Never used with a real provider.
CREATE TABLE sms_dev_outbox (
    id         bigserial   PRIMARY KEY,
    mobile     text        NOT NULL,
    template   text        NOT NULL,
    params     jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
