-- Secrets stay out of the event stream: password hashes and session tokens
-- are operational state, not history.
CREATE TABLE credentials (
    user_id       uuid PRIMARY KEY,
    email         text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
    token_hash    bytea PRIMARY KEY,
    user_id       uuid NOT NULL,
    name          text NOT NULL,
    role          text NOT NULL,
    org_id        uuid NOT NULL,
    university_id uuid,
    authority_id  uuid,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);
