-- Registrations and password resets waiting for their code. Operational
-- state, not history: the personal data, the password hash and the code hash
-- stay here until the code is used (then the row goes) and never enter the
-- event stream. One pending registration per address and one pending reset
-- per account: a new request replaces the old one and voids its code.
CREATE TABLE pending_registrations (
    email           text        PRIMARY KEY,
    registration_id uuid        NOT NULL UNIQUE,
    name            text        NOT NULL,
    mobile          text        NOT NULL,
    staff_no        text        NOT NULL,
    unit_id         uuid        NOT NULL,
    password_hash   text        NOT NULL,
    code_hash       bytea       NOT NULL,
    expires_at      timestamptz NOT NULL,
    tries           int         NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE pending_password_resets (
    user_id    uuid        PRIMARY KEY,
    request_id uuid        NOT NULL UNIQUE,
    code_hash  bytea       NOT NULL,
    expires_at timestamptz NOT NULL,
    tries      int         NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now()
);
