package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"

	"github.com/econf/econf/eventstore"
)

// chainReport is what econf audit verify found.
type chainReport struct {
	Streams int           `json:"streams"`
	Events  int           `json:"events"`
	Broken  []brokenChain `json:"broken"`
}

type brokenChain struct {
	Stream string `json:"stream"`
	Number uint64 `json:"number"` // the first event whose recorded predecessor hash does not match
}

// verifyChains reads every event once, in global order, and checks that
// each names the hash of its stream's previous event.
func verifyChains(ctx context.Context, store eventstore.Store) (chainReport, error) {
	var r chainReport
	last := map[string]string{}   // stream → hash of its latest event
	number := map[string]uint64{} // stream → number of its latest event
	broken := map[string]uint64{}
	from := eventstore.Start
	done := settled(ctx, store)
	for {
		events, err := store.ReadAll(ctx, from, 1000)
		if err != nil {
			return r, err
		}
		if len(events) == 0 {
			ok, err := done(from)
			if err != nil {
				return r, err
			}
			if ok {
				break
			}
			continue
		}
		for _, e := range events {
			r.Events++
			if _, seen := broken[e.StreamID]; !seen && (e.Metadata.PrevHash != last[e.StreamID] || e.Number != number[e.StreamID]+1) {
				broken[e.StreamID] = e.Number
			}
			last[e.StreamID], number[e.StreamID] = eventstore.Hash(e), e.Number
		}
		from = events[len(events)-1].Position
	}
	if err := checkCount(ctx, store, r.Events, from); err != nil {
		return r, err
	}
	r.Streams = len(last)
	r.Broken = []brokenChain{}
	for s, n := range broken {
		r.Broken = append(r.Broken, brokenChain{Stream: s, Number: n})
	}
	sort.Slice(r.Broken, func(i, j int) bool { return r.Broken[i].Stream < r.Broken[j].Stream })
	return r, nil
}

func cmdAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return groupHelp("audit", args, stdout)
	}
	cfg, fs, err := parseFlagsWith("audit verify", args[1:], stderr, func(fs flagSet) { fs.Bool("json", false, "print JSON") })
	if err != nil {
		return err
	}
	e, err := open(ctx, cfg, cfg.logger(stderr))
	if err != nil {
		return err
	}
	defer e.close()
	r, err := verifyChains(ctx, e.store)
	if err != nil {
		return err
	}
	if fs.Lookup("json").Value.String() == "true" {
		if err := json.NewEncoder(stdout).Encode(r); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "%d events in %d streams checked\n", r.Events, r.Streams)
		for _, b := range r.Broken {
			fmt.Fprintf(stdout, "BROKEN %s: event %d does not name the hash of event %d as stored\n", b.Stream, b.Number, b.Number-1)
		}
	}
	if len(r.Broken) > 0 {
		return fmt.Errorf("%d streams have a broken hash chain", len(r.Broken))
	}
	return nil
}
