package main

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/econf/econf/internal/pgcluster"
)

// pruneEmbeddedClusters removes, at serve's start, the embedded clusters
// pgcluster.Place put in pgcluster.Home (/var/lib/econf) for data folders
// the postgres user cannot reach and that no data folder uses any more: a
// deleted data folder is an installation the operator dropped. Each
// removal is logged with its path and size; a failure is logged and does
// not stop serve.
func pruneEmbeddedClusters(log *slog.Logger) {
	p, err := pgcluster.PruneHome()
	for _, c := range p.Removed {
		log.Info("removed the embedded cluster of a data folder no longer there", "dir", c.Dir, "size", sizeText(c.Size),
			"why", c.Why, "data", strings.Join(c.Data, " "))
	}
	for _, c := range p.Running {
		log.Warn("kept an orphaned embedded cluster: a server still runs in it", "dir", c.Dir, "size", sizeText(c.Size),
			"why", c.Why, "data", strings.Join(c.Data, " "))
	}
	for _, c := range p.Recent {
		log.Info(fmt.Sprintf("kept the embedded cluster of a data folder no longer there, used less than %s ago: removed at a later start (a moved data folder keeps it by running econf from its new path)", pgcluster.PruneAfter),
			"dir", c.Dir, "size", sizeText(c.Size), "why", c.Why, "data", strings.Join(c.Data, " "))
	}
	for _, c := range p.Unrecorded {
		log.Info("kept an embedded cluster of an unknown data folder (placed before econf recorded owners): "+
			"running econf from its data folder records it; remove it by hand if no data folder's pg links to it",
			"dir", c.Dir, "size", sizeText(c.Size))
	}
	if err != nil {
		log.Warn("removing orphaned embedded clusters", "home", pgcluster.Home, "err", err)
	}
}

// sizeText is n bytes in megabytes, as du -h --si would say it.
func sizeText(n int64) string {
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}
