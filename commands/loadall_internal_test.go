package commands

import "github.com/econf/econf/eventstore/pgstore"

// pgstore reads several streams in one query; the App uses it through
// streamsReader, so a change of either signature must not quietly send
// every history back to one read per stream.
var _ streamsReader = (*pgstore.Store)(nil)
