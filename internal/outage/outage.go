// Package outage tells the failures of reaching the database or the event
// store (down, restarting, the connection cut, too many connections) from
// the failures of a statement or a request itself. The first kind is a
// failure of the moment: HTTP answers it 503 with Retry-After, and the read
// models retry it for as long as it lasts. The second is not.
package outage

import (
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/puddle/v2"

	"github.com/econf/econf/eventstore"
)

// Is reports whether err means the database or the event store could not
// be reached or went away mid-statement. Errors the server raised about
// the statement itself (a constraint, a syntax error) are not outages.
func Is(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, eventstore.ErrUnavailable) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "08"), // connection exception
			strings.HasPrefix(pgErr.Code, "53"), // insufficient resources: too many connections, disk full, out of memory
			pgErr.Code == "57P01",               // admin_shutdown
			pgErr.Code == "57P02",               // crash_shutdown
			pgErr.Code == "57P03":               // cannot_connect_now (starting up, shutting down)
			return true
		}
		return false
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) || // dialling failed (refused, timed out, the server starting)
		errors.As(err, &netErr) ||
		errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, puddle.ErrClosedPool) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || // the connection cut under a query
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
