package main

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/eventstore/esdbstore"
	"github.com/econf/econf/eventstore/pgstore"
	"github.com/econf/econf/internal/migrate"
)

const eventstoreUsage = `usage: econf eventstore copy --from URL --to URL

URL is postgres://... (the events table of that database), esdb://... (an
EventStoreDB), or "embedded" (the embedded PostgreSQL under --data).
Copy with the service stopped: events still being written may be missed.`

func cmdEventstore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "copy" {
		return groupHelp("eventstore", args, stdout)
	}
	var from, to string
	cfg, _, err := parseFlagsWith("eventstore copy", args[1:], stderr, func(fs flagSet) {
		fs.StringVar(&from, "from", "", "the store to copy from (URL or \"embedded\")")
		fs.StringVar(&to, "to", "", "the store to copy to (URL or \"embedded\")")
	})
	if err != nil {
		return err
	}
	if from == "" || to == "" || from == to {
		return usageError(eventstoreUsage)
	}
	log := cfg.logger(stderr)
	src, closeSrc, err := openStoreURL(ctx, cfg, from)
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	defer closeSrc()
	dst, closeDst, err := openStoreURL(ctx, cfg, to)
	if err != nil {
		return fmt.Errorf("--to: %w", err)
	}
	defer closeDst()

	start := time.Now()
	bar := newProgressBar(stderr, headOf(ctx, src))
	stats, err := copyEvents(ctx, src, dst, func(done int, at eventstore.Position) { bar.update(done, at) })
	bar.done()
	if err != nil {
		return fmt.Errorf("copy: %w (run the same command again to resume)", err)
	}
	log.Info("copied", "events", stats.Copied, "already_there", stats.Skipped, "streams", stats.Streams, "took", time.Since(start).Round(time.Millisecond))
	report, err := verifyCopy(ctx, src, dst)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	fmt.Fprintf(stdout, "copied %d events (%d were already there) in %d streams; verified: %d events, digest %s\n",
		stats.Copied, stats.Skipped, stats.Streams, report.Events, report.Digest)
	return nil
}

// openStoreURL opens the store a copy URL names.
func openStoreURL(ctx context.Context, cfg *config, url string) (eventstore.Store, func(), error) {
	switch {
	case url == "embedded":
		c := *cfg
		c.DatabaseURL, c.EventStoreURL = "", ""
		e, err := open(ctx, &c, cfg.logger(io.Discard))
		if err != nil {
			return nil, nil, err
		}
		return e.raw, e.close, nil // the bytes as stored: personal fields stay encrypted
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		pool, err := pgxpool.New(ctx, url)
		if err != nil {
			return nil, nil, err
		}
		if err := migrate.Up(ctx, pool, pgstore.Migrations); err != nil {
			pool.Close()
			return nil, nil, err
		}
		return pgstore.New(pool), pool.Close, nil
	case strings.HasPrefix(url, "esdb://"), strings.HasPrefix(url, "esdb+discover://"):
		s, err := esdbstore.Open(url, esdbstore.Options{})
		if err != nil {
			return nil, nil, err
		}
		if err := s.Ping(ctx); err != nil {
			s.Close()
			return nil, nil, err
		}
		return s, func() { s.Close() }, nil
	}
	return nil, nil, fmt.Errorf("%q: want postgres://..., esdb://... or embedded", url)
}

// copyStats tells what a copy did.
type copyStats struct {
	Copied, Skipped, Streams int
}

// copyPage is how many events a copy reads at a time.
const copyPage = 500

// copyEvents appends every event of src to dst in src's global order,
// keeping stream, number, id, type, payload and metadata. Each stream's
// events go in with the exact expected version, consecutive events of one
// stream in one append; events dst already has (by number, from an
// interrupted run) are skipped after checking their ids, so a copy
// resumes where it stopped. progress sees the count of events handled.
func copyEvents(ctx context.Context, src, dst eventstore.Store, progress func(int, eventstore.Position)) (copyStats, error) {
	var stats copyStats
	versions := map[string]eventstore.Version{} // dst's version of each stream seen
	from := eventstore.Start
	handled := 0
	done := settled(ctx, src)
	for {
		page, err := src.ReadAll(ctx, from, copyPage)
		if err != nil {
			return stats, err
		}
		for i := 0; i < len(page); {
			j := i + 1
			for j < len(page) && page[j].StreamID == page[i].StreamID {
				j++
			}
			if err := copyRun(ctx, dst, page[i:j], versions, &stats); err != nil {
				return stats, err
			}
			handled += j - i
			if progress != nil {
				progress(handled, page[j-1].Position)
			}
			i = j
		}
		if len(page) > 0 {
			from = page[len(page)-1].Position
		}
		if len(page) < copyPage {
			if ok, err := done(from); err != nil || ok {
				stats.Streams = len(versions)
				return stats, err
			}
		}
	}
}

// settled tells a reader of $all whether it has read everything: for a
// store that can tell its head, only once the reader reached the head as
// it was when reading began (ReadAll rightly holds events back behind an
// open transaction, and a copy or a digest must not stop early); for other
// stores, at the first short page. It waits a little between tries.
func settled(ctx context.Context, s eventstore.Store) func(at eventstore.Position) (bool, error) {
	h, ok := s.(interface {
		Head(context.Context) (eventstore.Position, error)
	})
	if !ok {
		return func(eventstore.Position) (bool, error) { return true, nil }
	}
	head, err := h.Head(ctx)
	if err != nil {
		return func(eventstore.Position) (bool, error) { return false, err }
	}
	return func(at eventstore.Position) (bool, error) {
		if !at.Less(head) {
			return true, nil
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(20 * time.Millisecond):
			return false, nil
		}
	}
}

// copyRun copies consecutive events of one stream.
func copyRun(ctx context.Context, dst eventstore.Store, run []eventstore.RecordedEvent, versions map[string]eventstore.Version, stats *copyStats) error {
	stream := run[0].StreamID
	v, known := versions[stream]
	if !known {
		last, err := dst.ReadStream(ctx, stream, eventstore.Backwards, 0, 1)
		switch {
		case errors.Is(err, eventstore.ErrStreamNotFound):
		case err != nil:
			return err
		default:
			v = eventstore.Version(last[0].Number)
		}
	}
	var todo []eventstore.EventData
	for _, e := range run {
		if e.Number <= uint64(v) {
			there, err := dst.ReadStream(ctx, stream, eventstore.Forwards, e.Number, 1)
			if err != nil {
				return err
			}
			if len(there) != 1 || there[0].ID != e.ID {
				return fmt.Errorf("%s event %d: the destination holds another event there", stream, e.Number)
			}
			stats.Skipped++
			continue
		}
		if e.Number != uint64(v)+uint64(len(todo))+1 {
			return fmt.Errorf("%s: event %d follows version %d in the destination", stream, e.Number, v)
		}
		todo = append(todo, eventstore.EventData{ID: e.ID, Type: e.Type, Data: e.Data, Metadata: e.Metadata, RawMetadata: e.RawMetadata})
	}
	if len(todo) > 0 {
		res, err := dst.Append(ctx, stream, v, todo)
		if err != nil {
			return err
		}
		v = res.Version
		stats.Copied += len(todo)
	}
	versions[stream] = v
	return nil
}

// copyReport is what both stores agree on.
type copyReport struct {
	Events int
	Digest string
}

// readSummary is what one full read of a store saw.
type readSummary struct {
	counts map[string]uint64 // events per stream
	digest string
	events int
	last   eventstore.Position // of the last event read
}

// summarise counts each stream's events and hashes every event (stream,
// number, id, type, payload, metadata) in global order.
func summarise(ctx context.Context, s eventstore.Store) (readSummary, error) {
	sum := readSummary{counts: map[string]uint64{}, last: eventstore.Start}
	h := sha256.New()
	done := settled(ctx, s)
	for {
		page, err := s.ReadAll(ctx, sum.last, copyPage)
		if err != nil {
			return sum, err
		}
		for _, e := range page {
			sum.counts[e.StreamID]++
			meta, _ := json.Marshal(e.Metadata) // a plain struct cannot fail
			var num [8]byte
			binary.BigEndian.PutUint64(num[:], e.Number)
			for _, part := range [][]byte{[]byte(e.StreamID), num[:], e.ID[:], []byte(e.Type), e.Data, meta} {
				var l [8]byte
				binary.BigEndian.PutUint64(l[:], uint64(len(part)))
				h.Write(l[:])
				h.Write(part)
			}
			sum.events++
		}
		if len(page) > 0 {
			sum.last = page[len(page)-1].Position
		}
		if len(page) < copyPage {
			if ok, err := done(sum.last); err != nil || ok {
				sum.digest = hex.EncodeToString(h.Sum(nil))
				return sum, err
			}
		}
	}
}

// eventCounter counts a store's events at or before a position apart from
// ReadAll (the table itself, or $all as the server pages it).
type eventCounter interface {
	CountEvents(ctx context.Context, through eventstore.Position) (int, error)
}

// checkCount compares what a full read of s, ending at last, saw with s's
// own count, so a read that leaves events out (a filter missing a kind of
// stream) cannot pass for complete.
func checkCount(ctx context.Context, s eventstore.Store, read int, last eventstore.Position) error {
	c, ok := s.(eventCounter)
	if !ok {
		return fmt.Errorf("the store cannot count its events independently")
	}
	n, err := c.CountEvents(ctx, last)
	if err != nil {
		return err
	}
	if n != read {
		return fmt.Errorf("a full read saw %d events but the store holds %d", read, n)
	}
	return nil
}

// verifyCopy checks that dst holds exactly src's events: the same count in
// every stream and the same digest over all events in global order, and
// for each side that the read saw as many events as the store counts
// independently.
func verifyCopy(ctx context.Context, src, dst eventstore.Store) (copyReport, error) {
	srcSum, err := summarise(ctx, src)
	if err != nil {
		return copyReport{}, fmt.Errorf("read the source: %w", err)
	}
	if err := checkCount(ctx, src, srcSum.events, srcSum.last); err != nil {
		return copyReport{}, fmt.Errorf("the source: %w", err)
	}
	dstSum, err := summarise(ctx, dst)
	if err != nil {
		return copyReport{}, fmt.Errorf("read the destination: %w", err)
	}
	if err := checkCount(ctx, dst, dstSum.events, dstSum.last); err != nil {
		return copyReport{}, fmt.Errorf("the destination: %w", err)
	}
	srcCounts, dstCounts := srcSum.counts, dstSum.counts
	streams := slices.Sorted(maps.Keys(srcCounts))
	for _, s := range slices.Sorted(maps.Keys(dstCounts)) {
		if _, ok := srcCounts[s]; !ok {
			streams = append(streams, s)
		}
	}
	var diffs []string
	for _, s := range streams {
		if srcCounts[s] != dstCounts[s] {
			diffs = append(diffs, fmt.Sprintf("%s: %d in the source, %d in the destination", s, srcCounts[s], dstCounts[s]))
		}
	}
	if len(diffs) > 0 {
		return copyReport{}, fmt.Errorf("counts differ in %d streams: %s", len(diffs), strings.Join(diffs[:min(len(diffs), 5)], "; "))
	}
	if srcSum.digest != dstSum.digest {
		return copyReport{}, fmt.Errorf("the counts agree but the events differ: digest %s in the source, %s in the destination", srcSum.digest, dstSum.digest)
	}
	return copyReport{Events: srcSum.events, Digest: srcSum.digest}, nil
}
