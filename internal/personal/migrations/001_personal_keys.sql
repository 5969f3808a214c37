-- One data key per person (subject), wrapped under a master key that lives
-- outside the database (ECONF_MASTER_KEY / ECONF_MASTER_KEY_FILE). Erasing
-- a person clears their wrapped keys: the ciphertext of their personal
-- fields in the events stays, unreadable. A person erased and seen again
-- later gets a new key (the unique index covers live keys only).
CREATE TABLE personal_keys (
    key_id        uuid        PRIMARY KEY,
    subject       uuid        NOT NULL,
    wrapped       bytea,                  -- NULL once erased
    master        text        NOT NULL,   -- id of the master key that wraps it
    created_at    timestamptz NOT NULL DEFAULT now(),
    erased_at     timestamptz,
    erased_reason text,
    CHECK ((wrapped IS NULL) = (erased_at IS NOT NULL))
);
CREATE UNIQUE INDEX personal_keys_live ON personal_keys (subject) WHERE erased_at IS NULL;
CREATE INDEX personal_keys_subject ON personal_keys (subject);
