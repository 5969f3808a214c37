-- Failed sign-ins, codes and current-password checks, counted per account
-- and per client address in the database, so that every serve process on
-- it counts the same tries (issue 12 part 11, R-AUTH-02).
CREATE TABLE auth_throttle (
    key           text PRIMARY KEY,   -- 'account:<uuid>' or 'address:<ip>'
    failures      integer NOT NULL,
    first_failure timestamptz NOT NULL,
    last_failure  timestamptz NOT NULL,
    locked_until  timestamptz
);
CREATE INDEX auth_throttle_last ON auth_throttle (last_failure);
