package httpapi

import (
	"context"
	"net/http"

	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/internal/replica"
)

// ReadReplica sends reads to a PostgreSQL hot standby while it keeps up
// (internal/replica.Router).
type ReadReplica interface {
	// Reads marks a request's context: its reads go to the replica while
	// it is usable.
	Reads(ctx context.Context) context.Context
	// WaitEvent and WaitReadModels wait, bounded, until the replica has
	// pos; false means the request's reads moved to the primary.
	WaitEvent(ctx context.Context, pos eventstore.Position) bool
	WaitReadModels(ctx context.Context, pos eventstore.Position, names ...string) bool
	// State is what the last probe of the replica found.
	State() replica.State
}

// ReadFromHeader names, on every GET answer of a server with a replica,
// where its reads were made: "replica" or "primary".
const ReadFromHeader = "X-Econf-Read-From"

// replicaReads sends the reads of GET requests (lists, details, histories,
// exports, documents) to the replica while it is usable. With
// X-Econf-Min-Position the request first waits, bounded, until the replica
// holds that event, and reads from the primary when it does not; the
// handler's own wait for its read models (consistent) does the same on the
// replica. Commands and everything outside a GET read the primary.
func (s *Server) replicaReads(next http.Handler) http.Handler {
	if s.Replica == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		ctx := s.Replica.Reads(r.Context())
		if replica.OnReplica(ctx) {
			if pos, err := eventstore.ParsePosition(r.Header.Get("X-Econf-Min-Position")); err == nil && pos != eventstore.Start {
				s.Replica.WaitEvent(ctx, pos)
			}
		}
		next.ServeHTTP(&readFromWriter{ResponseWriter: w, ctx: ctx}, r.WithContext(ctx))
	})
}

// readFromWriter sets ReadFromHeader when the answer starts: by then the
// request's reads are done, and a fall-back to the primary is known.
type readFromWriter struct {
	http.ResponseWriter
	ctx     context.Context
	written bool
}

func (w *readFromWriter) WriteHeader(code int) {
	if !w.written {
		w.written = true
		from := "primary"
		if replica.OnReplica(w.ctx) {
			from = "replica"
		}
		w.Header().Set(ReadFromHeader, from)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *readFromWriter) Write(b []byte) (int, error) {
	if !w.written {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *readFromWriter) Flush() {
	if !w.written {
		w.WriteHeader(http.StatusOK)
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection (exports set
// their write deadline through it).
func (w *readFromWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// replicaCheck is the replica's line in /readyz: "ok", or why reads go to
// the primary. The server stays ready either way: the primary answers.
func (s *Server) replicaCheck(checks map[string]string, body map[string]any) {
	if s.Replica == nil {
		return
	}
	st := s.Replica.State()
	body["replica"] = st
	if st.Usable {
		checks["replica"] = "ok"
		return
	}
	checks["replica"] = "reads go to the primary: " + st.Reason
}
