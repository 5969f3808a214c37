-- An Idempotency-Key is reserved before its command runs: a pending row
-- (status NULL) holding the request's fingerprint, the reserving request
-- (owner) and a lease; the answer replaces it when the command is done.
-- The fingerprint is an HMAC under a server secret: the rows before this
-- kept a plain SHA-256 of bodies that may carry passwords, so they go (the
-- commands' ids still derive from their keys, so a late retry of one of
-- them still appends nothing twice).
DELETE FROM idempotency;
ALTER TABLE idempotency DROP COLUMN request_hash;
ALTER TABLE idempotency ADD COLUMN fingerprint bytea NOT NULL;
ALTER TABLE idempotency ADD COLUMN owner uuid;
ALTER TABLE idempotency ADD COLUMN lease_until timestamptz;
ALTER TABLE idempotency ALTER COLUMN status DROP NOT NULL;
ALTER TABLE idempotency ALTER COLUMN body DROP NOT NULL;
ALTER TABLE idempotency ALTER COLUMN headers SET DEFAULT '{}';
ALTER TABLE idempotency ADD CONSTRAINT idempotency_pending_or_answered
    CHECK ((status IS NULL AND lease_until IS NOT NULL) OR (status IS NOT NULL AND body IS NOT NULL));

-- The key of the fingerprints' HMAC when ECONF_IDEMPOTENCY_SECRET is unset:
-- generated once by the first server that needs it, shared by every
-- process on the database.
CREATE TABLE idempotency_secret (
    id         boolean     PRIMARY KEY DEFAULT true CHECK (id),
    secret     bytea       NOT NULL CHECK (length(secret) >= 32),
    created_at timestamptz NOT NULL DEFAULT now()
);
