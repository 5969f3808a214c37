package pgstore

import (
	"context"
	"encoding/binary"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/internal/migrate"
	"github.com/econf/econf/internal/pgcluster/pgtest"
)

// splitConn passes a connection's traffic through unchanged, except once
// armed: the next write that carries an Execute message then goes out in
// two parts. The first ends after that Execute (with a Flush, so the server
// answers it at once); when the server's answer to it has been read, pause
// runs; then the rest of the write goes out. So whatever a pipeline sends
// after its first statement reaches the server only after pause.
type splitConn struct {
	net.Conn

	mu       sync.Mutex
	pause    func()        // armed while not nil
	answered chan struct{} // closed when the split statement's answer is read
	scanning bool          // reads are scanned for the end of that answer
	header   []byte        // of the server message being read
	left     int           // bytes of its body still to come
}

// Write splits an armed write after its first Execute.
func (c *splitConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	pause := c.pause
	k := -1
	if pause != nil {
		k = afterFirstExecute(b)
	}
	if k < 0 {
		c.mu.Unlock()
		return c.Conn.Write(b)
	}
	c.pause = nil
	answered := make(chan struct{})
	c.answered, c.scanning, c.header, c.left = answered, true, nil, 0
	c.mu.Unlock()

	first := append(append([]byte(nil), b[:k]...), 'H', 0, 0, 0, 4) // Flush
	if _, err := c.Conn.Write(first); err != nil {
		return 0, err
	}
	// pgconn starts reading in the background when a write takes long:
	// that read sees the answer go by.
	select {
	case <-answered:
	case <-time.After(10 * time.Second):
	}
	pause()
	n, err := c.Conn.Write(b[k:])
	return k + n, err
}

// Read watches for the end of the split statement's answer.
func (c *splitConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := 0; c.scanning && i < n; {
		if c.left > 0 {
			step := min(c.left, n-i)
			c.left -= step
			i += step
			continue
		}
		c.header = append(c.header, p[i])
		i++
		if len(c.header) < 5 {
			continue
		}
		typ, size := c.header[0], int(binary.BigEndian.Uint32(c.header[1:]))-4
		c.header, c.left = nil, size
		if typ == 'C' || typ == 'E' { // CommandComplete, ErrorResponse
			c.scanning = false
			close(c.answered)
		}
	}
	return n, err
}

// afterFirstExecute is the offset just past the first Execute message of a
// run of frontend messages, or -1.
func afterFirstExecute(b []byte) int {
	for i := 0; i+5 <= len(b); {
		end := i + 1 + int(binary.BigEndian.Uint32(b[i+1:]))
		if b[i] == 'E' {
			return end
		}
		i = end
	}
	return -1
}

// TestHeldBackCheckOneSnapshot: a page of $all and the check whether more
// events are held back see one snapshot. An event waits behind an open
// transaction; the transaction ends just after the page's read has run. A
// held-back check with a snapshot of its own then finds nothing held (the
// transaction has ended) although the read handed out nothing: the
// subscriber would sleep through its idle re-read while the event waits.
func TestHeldBackCheckOneSnapshot(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabaseURL(t, func(ctx context.Context, pool *pgxpool.Pool) error {
		return migrate.Up(ctx, pool, Migrations)
	})
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	var conns []*splitConn
	var connsMu sync.Mutex
	dial := cfg.ConnConfig.DialFunc
	cfg.ConnConfig.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		c := &splitConn{Conn: nc}
		connsMu.Lock()
		conns = append(conns, c)
		connsMu.Unlock()
		return c, nil
	}
	cfg.MaxConns = 1 // the store's reads go through the one split connection
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	other, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	s := New(pool)

	from := eventstore.Start
	for attempt := range 2 { // the second runs with the statements prepared
		holder, err := other.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := holder.Exec(ctx, `SELECT pg_current_xact_id()`); err != nil {
			t.Fatal(err)
		}
		res, err := s.Append(ctx, "waiting-"+uuid.NewString(), 0, []eventstore.EventData{{ID: uuid.New(), Type: "E", Data: []byte(`{}`)}})
		if err != nil {
			t.Fatal(err)
		}
		paused := false
		connsMu.Lock()
		for _, c := range conns {
			c.mu.Lock()
			c.pause = func() {
				paused = true
				if err := holder.Commit(ctx); err != nil {
					t.Error(err)
				}
			}
			c.mu.Unlock()
		}
		connsMu.Unlock()
		events, held, err := s.page(ctx, from)
		if err != nil {
			t.Fatal(err)
		}
		_ = holder.Rollback(ctx) // ended already unless the pause never ran
		if !paused {
			t.Fatalf("attempt %d: the page's statement never reached the server on its own", attempt)
		}
		if len(events) == 0 && !held {
			t.Fatalf("attempt %d: the page read nothing and saw nothing held back while %s waited", attempt, res.Position)
		}
		if from, err = s.Head(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
