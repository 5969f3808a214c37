package main

import (
	"log/slog"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/internal/sso"
)

// ssoFromEnv reads ECONF_SSO_CONFIG, the file naming each university's
// identity provider (OIDC or CAS); unset: no single sign-on.
func ssoFromEnv(pool *pgxpool.Pool, now func() time.Time, log *slog.Logger) (*sso.Service, error) {
	path := os.Getenv("ECONF_SSO_CONFIG")
	if path == "" {
		return nil, nil
	}
	c, err := sso.LoadConfig(path)
	if err != nil {
		return nil, usageError("ECONF_SSO_CONFIG: " + err.Error())
	}
	svc, err := sso.New(pool, c, now, nil)
	if err != nil {
		return nil, usageError("ECONF_SSO_CONFIG: " + err.Error())
	}
	for _, p := range svc.Providers() {
		log.Info("single sign-on", "provider", p.ID, "kind", p.Kind, "university", p.UniversityID)
	}
	return svc, nil
}
