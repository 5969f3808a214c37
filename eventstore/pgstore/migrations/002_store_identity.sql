-- Which event store this is, and in which PostgreSQL cluster its positions
-- were written. A position holds the writing transaction's id, which only
-- means something in the cluster that assigned it: a database moved to
-- another cluster by pg_dump/pg_restore keeps this row and so shows a
-- foreign system identifier until `econf restore` renumbers its events and
-- adopts the new cluster (see CheckPositions and Reposition).
CREATE TABLE store_identity (
    singleton         boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    store_id          uuid        NOT NULL,
    system_identifier text        NOT NULL, -- pg_control_system() of the cluster the positions belong to
    adopted_at        timestamptz NOT NULL DEFAULT now()
);
INSERT INTO store_identity (store_id, system_identifier)
SELECT gen_random_uuid(), system_identifier::text FROM pg_control_system();
