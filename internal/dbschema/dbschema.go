// Package dbschema lists every component's migrations in the order they
// apply, for the binary and the tests alike.
package dbschema

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/eventstore/pgstore"
	"github.com/econf/econf/httpapi"
	"github.com/econf/econf/internal/auth"
	"github.com/econf/econf/internal/migrate"
	"github.com/econf/econf/internal/pending"
	"github.com/econf/econf/internal/personal"
	"github.com/econf/econf/internal/simclock"
	"github.com/econf/econf/internal/sms"
	"github.com/econf/econf/internal/sso"
	"github.com/econf/econf/projections"
)

// Sets are all migration sets.
func Sets() []migrate.Set {
	return []migrate.Set{pgstore.Migrations, projections.Migrations, auth.Migrations, httpapi.Migrations, pending.Migrations, simclock.Migrations, sms.Migrations, personal.Migrations, sso.Migrations}
}

// Up applies every set.
func Up(ctx context.Context, pool *pgxpool.Pool) error {
	return migrate.Up(ctx, pool, Sets()...)
}
