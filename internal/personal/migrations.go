package personal

import (
	"embed"

	"github.com/econf/econf/internal/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations creates the data keys' table.
var Migrations = migrate.Embedded("personal", migrationFiles, "migrations")
