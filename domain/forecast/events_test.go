package forecast_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/classify"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/domain/policy"
	"github.com/google/uuid"
)

// state is everything a forecast exposes, times in UTC so that values that
// went through JSON compare equal.
type state struct {
	ID          uuid.UUID
	Status      forecast.Status
	PlanYear    int
	ApplicantID uuid.UUID
	Details     forecast.Details
	Computed    classify.Scale
	Warnings    []domain.Warning
	SubmittedAt time.Time
	Rejection   forecast.Rejected
	Scope       domain.Scope
}

func snapshot(f *forecast.Forecast) state {
	r := f.Rejection()
	r.At = r.At.UTC()
	return state{f.ID(), f.Status(), f.PlanYear(), f.ApplicantID(), f.Details(), f.Computed(), f.Warnings(),
		f.SubmittedAt().UTC(), r, f.Scope()}
}

// R-FC-05: replaying the stored events (through JSON and Decode) rebuilds
// exactly the state the behaviour methods left.
func TestReplay(t *testing.T) {
	p := policy.Default()
	id := uuid.New()
	f := forecast.New(id)
	d := validDetails()
	d.NameEn = "Computational Materials Summit"
	d.Local, d.OffsiteJustification = false, "合作方所在城市"
	now := inWindow
	steps := []func() error{
		func() error { return f.Submit(applicant, d, p, now) },
		func() error { return f.ApproveAtUnit(unitAdmin, "同意", now.Add(time.Hour)) },
		func() error { return f.Reject(schoolAdmin, "规模有误", now.Add(2*time.Hour)) },
		func() error {
			d.ForeignCount, d.Scale = 310, classify.Major
			return f.Revise(applicant, d, p, now.Add(3*time.Hour))
		},
		func() error { return f.ApproveAtUnit(unitAdmin, "", now.Add(4*time.Hour)) },
		func() error { return f.ApproveAtSchool(schoolAdmin, "", now.Add(5*time.Hour)) },
		func() error { return f.ApproveByAuthority(reviewer, "列入计划", now.Add(6*time.Hour)) },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}

	replayed := forecast.New(id)
	var types []string
	for _, e := range f.Pending() {
		data, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		back, err := forecast.Decode(e.EventType(), data)
		if err != nil {
			t.Fatalf("Decode(%s): %v", e.EventType(), err)
		}
		replayed.Apply(back)
		types = append(types, back.EventType())
	}
	wantTypes := []string{"forecast.submitted", "forecast.approved_at_unit", "forecast.rejected", "forecast.revised",
		"forecast.approved_at_unit", "forecast.approved_at_school", "forecast.approved_by_authority"}
	if !slices.Equal(types, wantTypes) {
		t.Errorf("event types = %q; want %q", types, wantTypes)
	}
	got, want := snapshot(replayed), snapshot(f)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("replayed state = %+v; want %+v", got, want)
	}
	if want.Computed != classify.Major || want.Status != forecast.StatusApproved || !want.Scope.AtAuthority {
		t.Errorf("final state = %+v; want major, approved, at authority", want)
	}
	if len(replayed.Pending()) != 0 {
		t.Errorf("Apply recorded pending events: %v", replayed.Pending())
	}
}

func TestDecode(t *testing.T) {
	for _, name := range forecast.EventTypes() {
		e, err := forecast.Decode(name, []byte(`{"extra":"ignored"}`))
		if err != nil {
			t.Errorf("Decode(%s, {}) = %v; want nil", name, err)
			continue
		}
		if e.EventType() != name {
			t.Errorf("Decode(%s).EventType() = %s", name, e.EventType())
		}
	}
	if _, err := forecast.Decode("forecast.renamed", []byte(`{}`)); !errors.Is(err, forecast.ErrUnknownEvent) {
		t.Errorf("Decode(unknown) = %v; want ErrUnknownEvent", err)
	}
	if _, err := forecast.Decode(forecast.EventRejected, []byte(`{"reason":`)); err == nil {
		t.Error("Decode(truncated JSON) = nil; want an error")
	}
	if _, err := forecast.Decode(forecast.EventSubmitted, []byte(`{"details":{"startDate":"2027-02-30"}}`)); err == nil {
		t.Error("Decode(impossible date) = nil; want an error")
	}
}

// Event payloads use stable camelCase names.
func TestEventJSON(t *testing.T) {
	b, err := json.Marshal(forecast.Rejected{Stage: forecast.StatusUnitApproved, Reason: "r", At: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"stage":"unit_approved","reason":"r","at":"2026-10-01T00:00:00Z"}`; string(b) != want {
		t.Errorf("json.Marshal(Rejected) = %s; want %s", b, want)
	}
	b, _ = json.Marshal(forecast.Submitted{})
	for _, key := range []string{"forecastId", "applicantId", "unitId", "universityId", "authorityId", "planYear", "details", "computed"} {
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if _, ok := m[key]; !ok {
			t.Errorf("json.Marshal(Submitted) = %s; want key %q", b, key)
		}
	}
}
