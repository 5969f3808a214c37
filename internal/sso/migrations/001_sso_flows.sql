-- Sign-ins through a university's identity provider that are under way:
-- the state sent to the provider (kept as its SHA-256 only), the PKCE
-- verifier and the nonce the ID token must carry, and where to go after.
-- A flow is taken out (deleted) by the callback that uses it, so a state
-- replayed after that is unknown (issue 17 part 1).
CREATE TABLE sso_flows (
    state_hash bytea PRIMARY KEY,
    provider   text        NOT NULL,
    verifier   text        NOT NULL,
    nonce      text        NOT NULL,
    next       text        NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX sso_flows_expiry ON sso_flows (expires_at);
