package commands

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/eventstore"
)

// IncidentStream holds the integrity incidents auditors recorded about the
// record in stream: the broken record's own stream takes no more events
// until its break is accounted for, so the incident goes beside it.
func IncidentStream(stream string) string { return "integrity-" + stream }

// incidentNamespace derives incident ids: one break of one stream is one
// incident, whoever finds it and however often.
var incidentNamespace = uuid.MustParse("6f1c2a8e-3b7d-5e90-a4c1-9d2e7f3b8a61")

// IncidentID names the incident of stream's chain breaking at event number.
func IncidentID(stream string, number uint64) uuid.UUID {
	return uuid.NewSHA1(incidentNamespace, fmt.Appendf(nil, "%s#%d", stream, number))
}

// ChainBrokenError is a command refused because its record's hash chain
// is broken at an event no auditor has accounted for. It wraps ErrTampered.
type ChainBrokenError struct {
	Stream   string
	Number   uint64    // the first event whose recorded predecessor hash does not match
	Incident uuid.UUID // IncidentID(Stream, Number)
}

func (e *ChainBrokenError) Error() string {
	return fmt.Sprintf("%s: event %d does not match its predecessor's hash (incident %s): %v", e.Stream, e.Number, e.Incident, ErrTampered)
}

func (e *ChainBrokenError) Unwrap() error { return ErrTampered }

// IncidentRecorded is an auditor's account of a broken chain: who (the
// event's metadata), why the record may continue (Reason), what was found
// (Finding, and the two hashes that disagree as they were when recorded).
type IncidentRecorded struct {
	Incident  uuid.UUID `json:"incident"`
	Stream    string    `json:"stream"`
	BrokenAt  uint64    `json:"brokenAt"`
	FoundHash string    `json:"foundHash"` // Hash of event BrokenAt-1 as stored when recorded
	NamedHash string    `json:"namedHash"` // the predecessor hash event BrokenAt names
	Finding   string    `json:"finding"`
	Reason    string    `json:"reason"`
}

// EventType implements event.
func (IncidentRecorded) EventType() string { return "integrity.incident_recorded" }

// RecordIncident is an auditor's command: record what was found about the
// break of Stream at BrokenAt and why the record may continue from its
// events as they are stored now.
type RecordIncident struct {
	Stream   string `json:"stream"`
	BrokenAt uint64 `json:"brokenAt"`
	Finding  string `json:"finding"`
	Reason   string `json:"reason"`
}

// maxIncidentText bounds an incident's finding and reason.
const maxIncidentText = 4000

// RecordIncident records the incident. Only an auditor may; the break
// must be the stream's first unaccounted one, as it is stored now.
func (a *App) RecordIncident(ctx context.Context, actor domain.Actor, meta Meta, cmd RecordIncident) (Result, error) {
	if actor.Role != domain.RoleAuditor {
		return Result{}, fmt.Errorf("record an integrity incident: %w", domain.ErrForbidden)
	}
	var p domain.Problems
	if strings.TrimSpace(cmd.Stream) == "" {
		p.Add("stream", "REQUIRED", "the stream of the broken record is required", "请填写记录的事件流")
	}
	if cmd.BrokenAt < 1 {
		p.Add("brokenAt", "REQUIRED", "the number of the first event whose predecessor hash does not match is required", "请填写哈希链断开处的事件序号")
	}
	for _, f := range []struct{ path, text string }{{"finding", cmd.Finding}, {"reason", cmd.Reason}} {
		if p.Required(f.path, "REQUIRED", f.text) {
			p.MaxChars(f.path, "TOO_LONG", f.text, maxIncidentText)
		}
	}
	if err := p.Err(); err != nil {
		return Result{}, err
	}
	l, err := a.load(ctx, cmd.Stream)
	if err != nil {
		return Result{}, err
	}
	if len(l.events) == 0 || strings.HasPrefix(cmd.Stream, "integrity-") {
		return Result{}, fmt.Errorf("stream %q: %w", cmd.Stream, domain.ErrNotFound)
	}
	n, err := a.unaccountedBreak(ctx, l)
	if err != nil {
		return Result{}, err
	}
	if n != cmd.BrokenAt {
		msg := fmt.Sprintf("the chain of %s is intact as stored", cmd.Stream)
		if n != 0 {
			msg = fmt.Sprintf("the chain of %s first breaks unaccounted at event %d, not %d", cmd.Stream, n, cmd.BrokenAt)
		}
		var bad domain.Problems
		bad.Add("brokenAt", "CHAIN", msg, "该处不是哈希链未记录的断点")
		return Result{}, bad.Err()
	}
	ev := IncidentRecorded{
		Incident: IncidentID(cmd.Stream, n), Stream: cmd.Stream, BrokenAt: n,
		FoundHash: eventstore.Hash(l.events[n-2]), NamedHash: l.events[n-1].Metadata.PrevHash,
		Finding: cmd.Finding, Reason: cmd.Reason,
	}
	if n == 1 {
		ev.FoundHash = ""
	}
	return a.execute(ctx, actor, meta, "RecordIncident", IncidentStream(cmd.Stream), ev.Incident, func(inc loaded) (decision, error) {
		for _, r := range incidentsOf(inc) {
			if r.BrokenAt == ev.BrokenAt && r.FoundHash == ev.FoundHash && r.NamedHash == ev.NamedHash {
				return decision{}, nil // recorded meanwhile
			}
		}
		return decision{events: []event{ev}}, nil
	})
}

// incidentsOf decodes an incident stream.
func incidentsOf(l loaded) []IncidentRecorded {
	var out []IncidentRecorded
	for _, e := range l.events {
		var r IncidentRecorded
		if e.Type == (IncidentRecorded{}).EventType() && json.Unmarshal(e.Data, &r) == nil {
			out = append(out, r)
		}
	}
	return out
}

// unaccountedBreak is the first event of l whose recorded predecessor hash
// does not match and that no recorded incident accounts for (0: none). An
// incident accounts for a break only while both hashes are as they were
// when it was recorded: changing the stream again breaks it anew.
func (a *App) unaccountedBreak(ctx context.Context, l loaded) (uint64, error) {
	n := eventstore.VerifyChain(l.events)
	if n == 0 {
		return 0, nil
	}
	inc, err := a.load(ctx, IncidentStream(l.id))
	if err != nil {
		return 0, err
	}
	accepted := incidentsOf(inc)
	for n != 0 {
		found := ""
		if n > 1 {
			found = eventstore.Hash(l.events[n-2])
		}
		named := l.events[n-1].Metadata.PrevHash
		ok := false
		for _, r := range accepted {
			if r.BrokenAt == n && r.FoundHash == found && r.NamedHash == named {
				ok = true
				break
			}
		}
		if !ok {
			return n, nil
		}
		// Go on from the accepted event as it is stored.
		rest := eventstore.VerifyChainFrom(l.events[n-1:], named)
		if rest == 0 {
			return 0, nil
		}
		n = rest
	}
	return 0, nil
}

// checkChain refuses a command on a record whose chain is broken where no
// incident accounts for it.
func (a *App) checkChain(ctx context.Context, l loaded) error {
	n, err := a.unaccountedBreak(ctx, l)
	if err != nil {
		return err
	}
	if n != 0 {
		return &ChainBrokenError{Stream: l.id, Number: n, Incident: IncidentID(l.id, n)}
	}
	return nil
}

// AsChainBroken finds a ChainBrokenError in err.
func AsChainBroken(err error) (*ChainBrokenError, bool) {
	var c *ChainBrokenError
	ok := errors.As(err, &c)
	return c, ok
}
