// Package projections owns the read models: their tables, the generations
// they are built in, their checkpoints, and the Watermill runtime that feeds
// them from the event store's $all subscription.
//
// Every read model lives in a schema of its own per generation
// (p_<name>_<generation>); the rm schema holds views onto the active
// generation, and queries read only those views. A read model's rows and its
// checkpoint commit in one transaction, so an event is applied exactly once
// however often it is delivered. A rebuild fills a new generation while the
// old one keeps serving, then switches the views in one transaction.
package projections

import (
	"context"
	"embed"
	"fmt"
	"regexp"

	"github.com/jackc/pgx/v5"

	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/internal/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations creates the projection bookkeeping tables.
var Migrations = migrate.Embedded("projections", migrationFiles, "migrations")

// Projection is one read model.
type Projection interface {
	// Name is the stored id of the read model: never derive it from a Go type.
	Name() string
	// Version changes whenever the tables or the way events are applied
	// change; a running server then rebuilds the read model in a new
	// generation while the old one keeps serving.
	Version() int
	// Tables lists the tables Setup creates; each is exposed as the view
	// rm.<table> while its generation is active.
	Tables() []string
	// Setup creates the tables. It runs with search_path set to the new
	// generation's schema, so names are unqualified.
	Setup(ctx context.Context, tx pgx.Tx) error
	// Apply changes the read model for one event. It runs inside the
	// transaction that also moves the checkpoint, with search_path set to the
	// generation's schema. Events it does not care about are no-ops.
	Apply(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error
}

var validName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,40}$`)

func checkProjection(p Projection) error {
	if !validName.MatchString(p.Name()) {
		return fmt.Errorf("projection name %q: want lower-case letters, digits and underscores", p.Name())
	}
	for _, t := range p.Tables() {
		if !validName.MatchString(t) {
			return fmt.Errorf("projection %s: table name %q: want lower-case letters, digits and underscores", p.Name(), t)
		}
	}
	return nil
}

func schemaName(name string, generation int) string {
	return fmt.Sprintf("p_%s_%d", name, generation)
}

// All is every read model the service runs.
func All() []Projection {
	return []Projection{Directory{}, ForecastList{}, StatusView{}, ApprovalLog{}, Notifications{}, DeclarationList{}, DeclarationDetail{}, DeadlineWatch{},
		ChangeRequests{}, Summaries{}, FundingList{}, ReviewTimes{}, DelegateList{}}
}
