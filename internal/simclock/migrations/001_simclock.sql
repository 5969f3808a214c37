-- The simulated clock of a training instance: one row, shared by every
-- serve process, so they and restarts agree on the time.
CREATE SCHEMA IF NOT EXISTS simclock;
CREATE TABLE simclock.state (
    id          boolean PRIMARY KEY DEFAULT true CHECK (id),
    setting     text        NOT NULL,         -- ECONF_CLOCK as configured
    origin_real timestamptz NOT NULL,         -- machine time when the setting took effect
    advanced_ms bigint      NOT NULL DEFAULT 0 -- moved forward since (econf clock advance)
);
