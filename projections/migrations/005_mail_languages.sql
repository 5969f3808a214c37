-- The language each account reads its mail in (zh or en): set from
-- Accept-Language at registration, and by the account itself (PUT
-- /api/v1/me/language, the web pages' language toggle). An account without
-- a row gets both languages, Chinese first.
CREATE TABLE mail_languages (
    user_id    uuid        PRIMARY KEY,
    lang       text        NOT NULL CHECK (lang IN ('zh', 'en')),
    updated_at timestamptz NOT NULL DEFAULT now()
);
