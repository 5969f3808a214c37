package nomination_test

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/nomination"
	"github.com/econf/econf/domain/policy"
)

var (
	assoc = uuid.MustParse("00000000-0000-0000-0000-00000000a550")
	staff = domain.Actor{UserID: uuid.New(), Role: domain.RoleAuthorityReviewer, OrgID: assoc, Authority: assoc}
	now   = time.Date(2023, time.January, 20, 10, 0, 0, 0, domain.Shanghai)
)

func d(y int, m time.Month, day int) domain.Date { return domain.Date{Year: y, Month: m, Day: day} }

// seedSpec is seed 003's cycle.
func seedSpec() nomination.CycleSpec {
	return nomination.CycleSpec{Year: 2023, Title: "2023年度重要学术会议征集", Deadline: d(2023, 3, 15),
		WindowStart: d(2023, 1, 1), WindowEnd: d(2024, 3, 31), MechanismCutoff: d(2022, 12, 31),
		Fields:   nomination.SeedFields,
		Schedule: nomination.Schedule{RecognitionBy: d(2023, 4, 15), CatalogueBy: d(2023, 5, 31), ListBy: d(2023, 6, 30)}}
}

// paths lists a validation error's "path rule" pairs.
func paths(t *testing.T, err error) []string {
	t.Helper()
	var ve *domain.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a validation error, got %v", err)
	}
	var out []string
	for _, f := range ve.Fields {
		out = append(out, f.Path+" "+f.Rule)
	}
	return out
}

// TestCycleR_NOM_02: the organiser's staff open and edit a cycle (a new
// edition each time, the same spec records nothing); the window holds
// both its days; the cut-off must fall before the window.
func TestCycleR_NOM_02(t *testing.T) {
	p := policy.Default()
	c := nomination.NewCycle(uuid.New())
	other := domain.Actor{UserID: uuid.New(), Role: domain.RoleAuthorityReviewer, OrgID: uuid.New()}
	if err := c.Open(other, false, seedSpec(), p, now); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("an authority that is no association opens: %v", err)
	}
	bad := seedSpec()
	bad.MechanismCutoff, bad.WindowEnd = d(2023, 1, 1), d(2022, 12, 31)
	if got := paths(t, c.Open(staff, true, bad, p, now)); !slices.Contains(got, "mechanismCutoff R-NOM-02") || !slices.Contains(got, "windowEnd R-NOM-02") {
		t.Errorf("R-NOM-02 bad window: %v", got)
	}
	if err := c.Open(staff, true, seedSpec(), p, now); err != nil {
		t.Fatal(err)
	}
	s := c.Spec()
	for _, tt := range []struct {
		day  domain.Date
		want bool
	}{{d(2022, 12, 31), false}, {d(2023, 1, 1), true}, {d(2024, 3, 31), true}, {d(2024, 4, 1), false}} {
		if s.InWindow(tt.day) != tt.want {
			t.Errorf("R-NOM-02 InWindow(%s) = %v; want %v", tt.day, !tt.want, tt.want)
		}
	}
	if err := c.Edit(staff, seedSpec(), p, now); err != nil || len(c.Pending()) != 1 {
		t.Errorf("the same spec again: %v, %d events", err, len(c.Pending()))
	}
	s.Deadline = d(2023, 3, 20)
	if err := c.Edit(other, s, p, now); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("another organiser edits: %v", err)
	}
	if err := c.Edit(staff, s, p, now); err != nil || c.Edition() != 2 {
		t.Errorf("edit: %v, edition %d", err, c.Edition())
	}
	replayed := nomination.NewCycle(c.ID())
	for _, e := range c.Pending() {
		b, _ := json.Marshal(e)
		back, err := nomination.Decode(e.EventType(), b)
		if err != nil {
			t.Fatal(err)
		}
		replayed.Apply(back)
	}
	if replayed.Edition() != 2 || replayed.Spec().Deadline != d(2023, 3, 20) || replayed.Organiser() != assoc {
		t.Errorf("replayed cycle: edition %d, spec %+v", replayed.Edition(), replayed.Spec())
	}
}

// TestInvitationCodesR_NOM_01: one code per unit, a code for one unit
// only, all rows or none; a code admits one contact, of its own unit; a
// revoked code never again; a reissued one admits.
func TestInvitationCodesR_NOM_01(t *testing.T) {
	p := policy.Default()
	r := nomination.NewRegistry(nomination.RegistryID)
	if _, err := r.Issue(domain.Actor{Role: domain.RoleUnitAdmin, OrgID: assoc}, true, []nomination.CodeRow{{Category: "理科", Number: "A-01", Name: "示范数学会", Code: "478"}}, p, now); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("R-NOM-01 a unit admin issues codes: %v", err)
	}
	rows := []nomination.CodeRow{
		{Category: "理科", Number: "A-01", Name: "示范数学会", Code: "478"},
		{Category: "学会联合体", Number: "L-01", Name: "示范学会联合体", Code: "736"},
		{Category: "地方科协", Number: "1", Name: "示范市科协", Code: "478"},
		{Category: "理科", Number: "A-02", Name: "示范数学会", Code: "714"},
		{Category: "高校科协", Number: "U-1", Name: "示范大学科协", Code: "553"},
	}
	got := paths(t, func() error { _, err := r.Issue(staff, true, rows, p, now); return err }())
	if want := []string{"codes[2].code R-NOM-01", "codes[3].name R-NOM-01", "codes[4].category R-NOM-01"}; !slices.Equal(got, want) {
		t.Errorf("R-NOM-01 refused rows = %v; want %v", got, want)
	}
	if len(r.Pending()) != 0 {
		t.Error("R-NOM-01 a refused import recorded codes")
	}
	issued, err := r.Issue(staff, true, rows[:2], p, now)
	if err != nil || len(issued) != 2 || issued[1].Kind != "society_union" {
		t.Fatalf("issue: %v %+v", err, issued)
	}
	if again, err := r.Issue(staff, true, rows[:2], p, now); err != nil || len(again) != 0 {
		t.Errorf("a re-import: %v, %d issued; want nothing new", err, len(again))
	}
	if got := paths(t, func() error {
		_, err := r.Issue(staff, true, []nomination.CodeRow{{Category: "理科", Number: "A-01", Name: "示范数学会", Code: "479"}}, p, now)
		return err
	}()); !slices.Equal(got, []string{"codes[0].code R-NOM-01"}) {
		t.Errorf("R-NOM-01 a second code for a unit: %v", got)
	}
	math, society := nomination.UnitID(assoc, "示范数学会"), nomination.UnitID(assoc, "示范学会联合体")
	user, other := uuid.New(), uuid.New()
	if got := paths(t, func() error { _, err := r.Use("478", society, user, now); return err }()); !slices.Equal(got, []string{"code R-NOM-01"}) {
		t.Errorf("R-NOM-01 a code for another unit: %v", got)
	}
	if e, err := r.Use("478", math, user, now); err != nil || e.Unit != math {
		t.Fatalf("use: %v %+v", err, e)
	}
	if got := paths(t, func() error { _, err := r.Use("478", uuid.Nil, other, now); return err }()); !slices.Equal(got, []string{"code R-NOM-01"}) {
		t.Errorf("R-NOM-01 a code used twice: %v", got)
	}
	if err := r.Revoke(staff, true, society, "", p, now); err != nil {
		t.Fatal(err)
	}
	if got := paths(t, func() error { _, err := r.Use("736", uuid.Nil, other, now); return err }()); !slices.Equal(got, []string{"code R-NOM-01"}) {
		t.Errorf("R-NOM-01 a revoked code: %v", got)
	}
	if got := paths(t, func() error { _, err := r.Reissue(staff, true, society, "478", p, now); return err }()); !slices.Equal(got, []string{"code R-NOM-01"}) {
		t.Errorf("R-NOM-01 reissuing a code issued before: %v", got)
	}
	if _, err := r.Reissue(staff, true, society, "100736", p, now); err != nil {
		t.Fatal(err)
	}
	if e, err := r.Use("100736", society, other, now); err != nil || e.Contact != uuid.Nil && e.Unit != society {
		t.Errorf("a reissued code: %v", err)
	}
	replayed := nomination.NewRegistry(nomination.RegistryID)
	for _, e := range r.Pending() {
		b, _ := json.Marshal(e)
		back, err := nomination.Decode(e.EventType(), b)
		if err != nil {
			t.Fatal(err)
		}
		replayed.Apply(back)
	}
	if e, _ := replayed.Entry(society); e.Code != "100736" || e.Status != nomination.CodeUsedStatus || e.Contact != other {
		t.Errorf("replayed entry %+v", e)
	}
	for _, name := range nomination.EventTypes() {
		if _, err := nomination.Decode(name, []byte(`{}`)); err != nil {
			t.Errorf("Decode(%s): %v", name, err)
		}
	}
}
