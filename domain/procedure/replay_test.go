package procedure_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/econf/econf/domain/change"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/domain/summary"
)

var update = flag.Bool("update", false, "rewrite testdata/recorded-states.json from the code as it is")

// recorded is a stream as stored before the procedure engine existed:
// testdata/recorded-streams.json holds the forecast, declaration, change
// and summary streams the HTTP end-to-end tests wrote at commit 8606ded.
type recorded struct {
	Name   string `json:"name"`
	Events []struct {
		Type string          `json:"type"`
		Data json.RawMessage `json:"data"`
	} `json:"events"`
}

// folded is what a stream folds into: the status before and after each
// event (the history an auditor reads) and the aggregate's state at the end.
type folded struct {
	Name     string          `json:"name"`
	Statuses [][2]string     `json:"statuses"`
	Final    json.RawMessage `json:"final"`
}

// aggregate folds one kind of stream.
type aggregate interface {
	apply(eventType string, data []byte) error
	status() string
	state() any
}

type forecastAgg struct{ *forecast.Forecast }

func (a forecastAgg) apply(t string, d []byte) error {
	e, err := forecast.Decode(t, d)
	if err == nil {
		a.Apply(e)
	}
	return err
}
func (a forecastAgg) status() string { return string(a.Status()) }
func (a forecastAgg) state() any {
	f := a.Forecast
	return map[string]any{"status": f.Status(), "scope": f.Scope(), "planYear": f.PlanYear(), "applicant": f.ApplicantID(),
		"details": f.Details(), "computed": f.Computed(), "warnings": f.Warnings(), "rejection": f.Rejection(),
		"signedForms": f.SignedForms(), "submittedAt": f.SubmittedAt(), "canDeclare": errText(f.CanStartDeclaration())}
}

type declarationAgg struct{ *declaration.Declaration }

func (a declarationAgg) apply(t string, d []byte) error {
	e, err := declaration.Decode(t, d)
	if err == nil {
		a.Apply(e)
	}
	return err
}
func (a declarationAgg) status() string { return string(a.Status()) }
func (a declarationAgg) state() any {
	d := a.Declaration
	return map[string]any{"status": d.Status(), "scope": d.Scope(), "applicant": d.ApplicantID(), "forecast": d.ForecastID(),
		"direct": d.Direct(), "form": d.Form(), "warnings": d.Warnings(), "lead": d.Lead(), "submittedAt": d.SubmittedAt(),
		"rejection": d.Rejection()}
}

type changeAgg struct{ *change.Change }

func (a changeAgg) apply(t string, d []byte) error {
	e, err := change.Decode(t, d)
	if err == nil {
		a.Apply(e)
	}
	return err
}
func (a changeAgg) status() string { return string(a.Status()) }
func (a changeAgg) state() any {
	c := a.Change
	v, changed := c.Effective()
	return map[string]any{"status": c.Status(), "scope": c.Scope(), "requests": c.Requests(), "latest": c.Latest(),
		"decision": c.Decision(), "warnings": c.Warnings(), "effective": v, "changed": changed}
}

type summaryAgg struct{ *summary.Summary }

func (a summaryAgg) apply(t string, d []byte) error {
	e, err := summary.Decode(t, d)
	if err == nil {
		a.Apply(e)
	}
	return err
}
func (a summaryAgg) status() string { return string(a.Status()) }
func (a summaryAgg) state() any {
	s := a.Summary
	return map[string]any{"status": s.Status(), "scope": s.Scope(), "content": s.Content(), "due": s.DueDate(),
		"returned": s.Returned()}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func aggregateFor(name string) (aggregate, error) {
	stream := name[strings.Index(name, "/")+1:]
	kind, rest, _ := strings.Cut(stream, "-")
	id, err := uuid.Parse(rest)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	switch kind {
	case "forecast":
		return forecastAgg{forecast.New(id)}, nil
	case "declaration":
		return declarationAgg{declaration.New(id)}, nil
	case "change":
		return changeAgg{change.New(id)}, nil
	case "summary":
		return summaryAgg{summary.New(id)}, nil
	}
	return nil, fmt.Errorf("%s: no aggregate for %q", name, kind)
}

// TestRecordedStreamsReplayUnchanged replays streams stored before the
// procedure engine and asserts the same statuses, event by event, and the
// same final state as the code that wrote them folded (issue 13: stored
// event types are never renamed, old streams replay unchanged).
func TestRecordedStreamsReplayUnchanged(t *testing.T) {
	raw, err := os.ReadFile("testdata/recorded-streams.json")
	if err != nil {
		t.Fatal(err)
	}
	var streams []recorded
	if err := json.Unmarshal(raw, &streams); err != nil {
		t.Fatal(err)
	}
	var got []folded
	for _, s := range streams {
		agg, err := aggregateFor(s.Name)
		if err != nil {
			t.Fatal(err)
		}
		f := folded{Name: s.Name}
		for i, e := range s.Events {
			before := agg.status()
			if err := agg.apply(e.Type, e.Data); err != nil {
				t.Fatalf("%s #%d: %v", s.Name, i+1, err)
			}
			f.Statuses = append(f.Statuses, [2]string{before, agg.status()})
		}
		if f.Final, err = json.Marshal(agg.state()); err != nil {
			t.Fatal(err)
		}
		got = append(got, f)
	}
	const path = "testdata/recorded-states.json"
	if *update {
		b, err := json.MarshalIndent(got, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want []folded
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d streams replayed; the recording has %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Name != w.Name || !reflect.DeepEqual(g.Statuses, w.Statuses) {
			t.Errorf("%s: statuses %v; recorded %v", w.Name, g.Statuses, w.Statuses)
		}
		var gf, wf any
		_ = json.Unmarshal(g.Final, &gf)
		_ = json.Unmarshal(w.Final, &wf)
		if !reflect.DeepEqual(gf, wf) {
			t.Errorf("%s: final state\n%s\nrecorded\n%s", w.Name, g.Final, w.Final)
		}
	}
}
