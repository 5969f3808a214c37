package change_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/change"
	"github.com/econf/econf/domain/classify"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/domaintest"
	"github.com/econf/econf/domain/policy"
	"github.com/google/uuid"
)

// Shared table helpers.
var (
	outcome     = domaintest.Outcome
	fieldErrors = domaintest.SortedFieldErrors
)

// Fictional organisation tree and people; nothing here comes from the seeds.
var (
	authorityID  = uuid.MustParse("00000000-0000-4000-8000-00000000000a")
	universityID = uuid.MustParse("00000000-0000-4000-8000-00000000000b")
	unitID       = uuid.MustParse("00000000-0000-4000-8000-00000000000c")
	confID       = uuid.MustParse("00000000-0000-4000-8000-0000000000d1")

	applicant   = domain.Actor{UserID: uuid.New(), Role: domain.RoleApplicant, OrgID: unitID, University: universityID, Authority: authorityID}
	other       = domain.Actor{UserID: uuid.New(), Role: domain.RoleApplicant, OrgID: unitID, University: universityID, Authority: authorityID}
	unitAdmin   = domain.Actor{UserID: uuid.New(), Role: domain.RoleUnitAdmin, OrgID: unitID, University: universityID, Authority: authorityID}
	schoolAdmin = domain.Actor{UserID: uuid.New(), Role: domain.RoleSchoolAdmin, OrgID: universityID, University: universityID, Authority: authorityID}

	pol   = policy.Default()
	rules = change.DefaultRules()
)

func shanghai(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, domain.Shanghai)
}

func date(y int, m time.Month, d int) domain.Date { return domain.Date{Year: y, Month: m, Day: d} }

func ptr[T any](v T) *T { return &v }

// snapshot is an approved general natural-science conference from start
// to start+2 days.
func snapshot(start domain.Date) change.Snapshot {
	return change.Snapshot{
		ID: confID, ApplicantID: applicant.UserID, Status: declaration.StatusAuthorityApproved,
		Scope: domain.Scope{Owner: applicant.UserID, Unit: unitID, University: universityID, Authority: authorityID, AtAuthority: true},
		Values: change.Values{
			NameZh: "计算材料学国际研讨会", NameEn: "International Workshop on Computational Materials",
			Theme: "计算材料学的新方法", Type: classify.NaturalScience,
			Scale: change.Scale{Declared: classify.General, Attendance: declaration.Attendance{Foreign: 40, Mainland: 100, HKMacaoTaiwan: 10}},
			Place: change.Place{Location: declaration.Local, Province: "湖北省", Address: "示例路1号"},
			Dates: change.Dates{Start: start, End: start.AddDays(2)},
		},
	}
}

func proposal() change.Proposal {
	return change.Proposal{Description: "因场地维修，会议地点变更至学术交流中心。",
		Changes: change.Changes{Place: &change.Place{Location: declaration.Local, Province: "湖北省", Address: "示例路2号学术交流中心"}}}
}

func file(name, contentType string) declaration.Attachment {
	return declaration.Attachment{ID: uuid.New(), SHA256: strings.Repeat("ab", 32), Name: name, ContentType: contentType, Size: 2048}
}

// R-CHG-01, R-CHG-02, R-ACT-01: who may ask, for which conference, until
// when. The last day is the start minus 2 calendar months, in Asia/Shanghai.
func TestRequestGate(t *testing.T) {
	may10 := date(2027, time.May, 10)
	apr30 := date(2027, time.April, 30)
	mar31 := date(2027, time.March, 31)
	unapproved := snapshot(may10)
	unapproved.Status = declaration.StatusSchoolApproved
	rejected := snapshot(may10)
	rejected.Status = declaration.StatusAuthorityRejected
	tests := []struct {
		name  string
		actor domain.Actor
		snap  change.Snapshot
		now   time.Time
		want  string
	}{
		{"R-CHG-02 start 2027-05-10, on 2027-03-10 (last day)", applicant, snapshot(may10), shanghai(2027, time.March, 10, 23, 59), "ok"},
		{"R-CHG-02 start 2027-05-10, on 2027-03-11", applicant, snapshot(may10), shanghai(2027, time.March, 11, 0, 0), "state R-CHG-02"},
		{"R-CHG-02 59 days before the start", applicant, snapshot(may10), may10.AddDays(-59).Time(), "state R-CHG-02"},
		{"R-CHG-02 61 days before the start (2 months)", applicant, snapshot(may10), may10.AddDays(-61).Time(), "ok"},
		{"R-CHG-02 UTC evening is the next Shanghai day", applicant, snapshot(may10), time.Date(2027, time.March, 10, 16, 30, 0, 0, time.UTC), "state R-CHG-02"},
		{"R-CHG-02 month end: start 04-30, on 02-28", applicant, snapshot(apr30), shanghai(2027, time.February, 28, 12, 0), "ok"},
		{"R-CHG-02 month end: start 04-30, on 03-01", applicant, snapshot(apr30), shanghai(2027, time.March, 1, 9, 0), "state R-CHG-02"},
		{"R-CHG-02 month end: start 03-31, on 01-31", applicant, snapshot(mar31), shanghai(2027, time.January, 31, 9, 0), "ok"},
		{"R-CHG-02 month end: start 03-31, on 02-01", applicant, snapshot(mar31), shanghai(2027, time.February, 1, 9, 0), "state R-CHG-02"},
		{"R-CHG-01 conference not yet approved", applicant, unapproved, shanghai(2027, time.January, 5, 9, 0), "state R-CHG-01"},
		{"R-CHG-01 conference rejected by the authority", applicant, rejected, shanghai(2027, time.January, 5, 9, 0), "state R-CHG-01"},
		{"R-ACT-01 unit admin", unitAdmin, snapshot(may10), shanghai(2027, time.January, 5, 9, 0), "forbidden"},
		{"R-ACT-02 someone else's conference", other, snapshot(may10), shanghai(2027, time.January, 5, 9, 0), "forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := change.New(confID)
			err := c.Request(tt.actor, tt.snap, uuid.New(), proposal(), pol, rules, tt.now)
			if got := outcome(err); got != tt.want {
				t.Fatalf("Request = %s (%v); want %s", got, err, tt.want)
			}
			if tt.want != "ok" && len(c.Pending()) != 0 {
				t.Error("a refusal recorded an event")
			}
		})
	}
}

var early = shanghai(2027, time.January, 5, 9, 0)

// R-CHG-03: one request per conference, a rejected one included.
func TestOneRequestPerConference(t *testing.T) {
	for _, decide := range []string{"rejected", "approved"} {
		t.Run("R-CHG-03 second request after the first was "+decide, func(t *testing.T) {
			snap := snapshot(date(2027, time.May, 10))
			c := change.New(confID)
			if err := c.Request(applicant, snap, uuid.New(), proposal(), pol, rules, early); err != nil {
				t.Fatal(err)
			}
			var err error
			if decide == "rejected" {
				err = c.Reject(schoolAdmin, "地点说明不充分", early)
			} else {
				err = c.Approve(schoolAdmin, "", early)
			}
			if err != nil {
				t.Fatal(err)
			}
			x := proposal()
			x.Changes = change.Changes{Theme: ptr("计算材料学的新方法与应用")}
			err = c.Request(applicant, snap, uuid.New(), x, pol, rules, early.Add(time.Hour))
			if got := outcome(err); got != "state R-CHG-03" {
				t.Fatalf("second Request = %s (%v); want state R-CHG-03", got, err)
			}
		})
	}
	t.Run("R-CHG-03 a policy allowing two requests", func(t *testing.T) {
		r := rules
		r.MaxRequests = 2
		c := change.New(confID)
		snap := snapshot(date(2027, time.May, 10))
		if err := c.Request(applicant, snap, uuid.New(), proposal(), pol, r, early); err != nil {
			t.Fatal(err)
		}
		if err := c.Reject(schoolAdmin, "请补充说明", early); err != nil {
			t.Fatal(err)
		}
		if err := c.Request(applicant, snap, uuid.New(), proposal(), pol, r, early); err != nil {
			t.Fatalf("second Request under MaxRequests 2: %v", err)
		}
		if c.Requests() != 2 || c.Latest().Seq != 2 {
			t.Errorf("Requests() = %d, Seq %d; want 2", c.Requests(), c.Latest().Seq)
		}
	})
}

// R-CHG-04, R-DECL-03, R-DECL-04, R-DECL-07, R-DECL-08: the proposal's
// field errors, all at once.
func TestProposalFields(t *testing.T) {
	snap := snapshot(date(2027, time.May, 10))
	tests := []struct {
		name string
		edit func(*change.Proposal)
		want []string
	}{
		{"R-CHG-04 valid with attachment", func(x *change.Proposal) { x.Attachment = file("说明.pdf", "application/pdf") }, nil},
		{"R-CHG-04 description missing, nothing to change", func(x *change.Proposal) {
			x.Description = "  "
			x.Changes = change.Changes{}
		}, []string{"changes R-CHG-04", "description R-CHG-04"}},
		{"R-CHG-04 description too long", func(x *change.Proposal) { x.Description = strings.Repeat("说", 2001) }, []string{"description R-CHG-04"}},
		{"R-CHG-04 description at the limit", func(x *change.Proposal) { x.Description = strings.Repeat("说", 2000) }, nil},
		{"R-CHG-04 a field given with its current value", func(x *change.Proposal) {
			x.Changes.Theme = ptr(" 计算材料学的新方法 ")
		}, []string{"changes.theme R-CHG-04"}},
		{"R-DECL-03 Chinese name 50 characters", func(x *change.Proposal) { x.Changes.NameZh = ptr(strings.Repeat("材", 50)) }, nil},
		{"R-DECL-03 Chinese name 51 characters", func(x *change.Proposal) { x.Changes.NameZh = ptr(strings.Repeat("材", 51)) }, []string{"changes.nameZh R-DECL-03"}},
		{"R-DECL-03 English name 101 characters", func(x *change.Proposal) { x.Changes.NameEn = ptr(strings.Repeat("a", 101)) }, []string{"changes.nameEn R-DECL-03"}},
		{"R-DECL-04 end before start", func(x *change.Proposal) {
			x.Changes.Dates = &change.Dates{Start: date(2027, time.May, 12), End: date(2027, time.May, 11)}
		}, []string{"changes.dates.end R-DECL-04"}},
		{"R-DECL-04 five days", func(x *change.Proposal) {
			x.Changes.Dates = &change.Dates{Start: date(2027, time.May, 11), End: date(2027, time.May, 15)}
		}, nil},
		{"R-DECL-04 six days", func(x *change.Proposal) {
			x.Changes.Dates = &change.Dates{Start: date(2027, time.May, 11), End: date(2027, time.May, 16)}
		}, []string{"changes.dates.end R-DECL-04"}},
		{"R-DECL-08 negative count", func(x *change.Proposal) {
			s := snap.Values.Scale
			s.Attendance.Foreign = -1
			x.Changes.Scale = &s
		}, []string{"changes.scale.attendance.foreign R-DECL-08"}},
		{"R-CLS-05 scale below the counts", func(x *change.Proposal) {
			s := snap.Values.Scale
			s.Attendance.Foreign = 300
			x.Changes.Scale = &s
		}, []string{"changes.scale.declared R-CLS-05"}},
		{"R-DECL-07 another city without approval", func(x *change.Proposal) {
			x.Changes.Place = &change.Place{Location: declaration.OtherCity, Province: "上海市", Address: "示例路3号"}
		}, []string{"changes.place.localApproval R-DECL-07"}},
		// Today is 2027-01-05: a new start is at least 2 calendar months
		// away, on or after 2027-03-05 (R-CHG-02), never in the past.
		{"R-CHG-02 new start two months before today", func(x *change.Proposal) {
			x.Changes.Dates = &change.Dates{Start: date(2026, time.November, 5), End: date(2026, time.November, 7)}
		}, []string{"changes.dates.start R-CHG-02"}},
		{"R-CHG-02 new start one day inside the window", func(x *change.Proposal) {
			x.Changes.Dates = &change.Dates{Start: date(2027, time.March, 4), End: date(2027, time.March, 6)}
		}, []string{"changes.dates.start R-CHG-02"}},
		{"R-CHG-02 new start on the last day of the window", func(x *change.Proposal) {
			x.Changes.Dates = &change.Dates{Start: date(2027, time.March, 5), End: date(2027, time.March, 7)}
		}, nil},
		{"R-DECL-08 no foreign attendees left", func(x *change.Proposal) {
			s := snap.Values.Scale
			s.Attendance.Foreign = 0
			s.Declared = classify.Small
			x.Changes.Scale = &s
		}, []string{"changes.scale.attendance.foreign R-DECL-08"}},
		{"R-CLS-02 social science cannot stay small", func(x *change.Proposal) {
			x.Changes.Type = ptr(classify.SocialScience)
			x.Changes.Scale = &change.Scale{Declared: classify.Small, Attendance: snap.Values.Scale.Attendance}
		}, []string{"changes.scale.declared R-CLS-02"}},
		{"R-CLS-05 a new type the declared scale still fits", func(x *change.Proposal) {
			x.Changes.Type = ptr(classify.SocialScience)
		}, nil},
		{"R-DECL-07 another city's approval badly referred to", func(x *change.Proposal) {
			x.Changes.Place = &change.Place{Location: declaration.OtherCity, Province: "上海市", Address: "示例路3号",
				LocalApproval: declaration.Attachment{ID: uuid.New(), Name: "批复.pdf", ContentType: "application/pdf", Size: 10}}
		}, []string{"changes.place.localApproval.sha256 SCHEMA"}},
		{"R-FC-03 a forbidden term in the new Chinese name", func(x *change.Proposal) {
			x.Changes.NameZh = ptr("首届计算材料学国际研讨会")
		}, []string{"changes.nameZh R-FC-03"}},
		{"SCHEMA bad attachment", func(x *change.Proposal) {
			x.Attachment = declaration.Attachment{Name: "x.pdf"}
		}, []string{"attachment.contentType SCHEMA", "attachment.id SCHEMA", "attachment.sha256 SCHEMA", "attachment.size SCHEMA"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := proposal()
			tt.edit(&x)
			c := change.New(confID)
			err := c.Request(applicant, snap, uuid.New(), x, pol, rules, early)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Request: %v", err)
				}
				return
			}
			if got := fieldErrors(t, err); !slices.Equal(got, tt.want) {
				t.Errorf("errors = %q; want %q", got, tt.want)
			}
		})
	}
}

// R-CHG-04: approval makes the new values the conference's; the history
// keeps the old ones.
func TestApproveKeepsBoth(t *testing.T) {
	snap := snapshot(date(2027, time.May, 10))
	x := proposal()
	x.Changes.NameZh = ptr("计算材料学与人工智能国际研讨会")
	x.Changes.Dates = &change.Dates{Start: date(2027, time.June, 1), End: date(2027, time.June, 3)}
	reqID := uuid.New()
	c := change.New(confID)
	if err := c.Request(applicant, snap, reqID, x, pol, rules, early); err != nil {
		t.Fatal(err)
	}
	if _, changed := c.Effective(); changed {
		t.Error("Effective reports a change before approval")
	}
	if err := c.Approve(unitAdmin, "", early); outcome(err) != "forbidden" {
		t.Errorf("unit admin Approve = %v; want forbidden", err)
	}
	if err := c.Reject(schoolAdmin, " ", early); outcome(err) != "validation" {
		t.Errorf("Reject without reason = %v; want validation", err)
	}
	if err := c.Approve(schoolAdmin, "同意", early.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := c.Approve(schoolAdmin, "", early.Add(time.Hour)); outcome(err) != "state R-CHG-04" {
		t.Errorf("second Approve = %v; want state R-CHG-04", err)
	}
	v, changed := c.Effective()
	if !changed || v.NameZh != "计算材料学与人工智能国际研讨会" || v.Dates.Start != date(2027, time.June, 1) || v.Place.Address != "示例路2号学术交流中心" || v.Theme != snap.Values.Theme {
		t.Errorf("Effective = %+v, %v; want the new name, dates and place, the old theme", v, changed)
	}
	// Replaying the stored events gives the same state.
	replayed := change.New(confID)
	for _, e := range c.Pending() {
		data, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		d, err := change.Decode(e.EventType(), data)
		if err != nil {
			t.Fatal(err)
		}
		replayed.Apply(d)
	}
	req := replayed.Latest()
	if req.RequestID != reqID || req.Old != snap.Values || req.New != v || req.RequestBy != date(2027, time.March, 10) ||
		!slices.Equal(req.Changed, []change.Field{change.FieldNameZh, change.FieldPlace, change.FieldDates}) {
		t.Errorf("replayed request = %+v", req)
	}
	if rv, ok := replayed.Effective(); !ok || rv != v || replayed.Status() != change.StatusApproved {
		t.Errorf("replayed Effective = %+v, %v", rv, ok)
	}
	if replayed.Scope().Owner != applicant.UserID || replayed.Scope().University != universityID {
		t.Errorf("Scope = %+v", replayed.Scope())
	}
}

func TestEventTypes(t *testing.T) {
	want := []string{"change.requested", "change.approved", "change.rejected"}
	if got := change.EventTypes(); !slices.Equal(got, want) {
		t.Fatalf("EventTypes = %q; want %q", got, want)
	}
	for _, n := range want {
		if _, err := change.Decode(n, []byte(`{"at":"2027-01-05T09:00:00+08:00"}`)); err != nil {
			t.Errorf("Decode(%s): %v", n, err)
		}
	}
	if _, err := change.Decode("change.nope", []byte(`{}`)); !errors.Is(err, change.ErrUnknownEvent) {
		t.Errorf("Decode unknown = %v", err)
	}
}

func TestRulesValidate(t *testing.T) {
	if err := change.DefaultRules().Validate(); err != nil {
		t.Fatal(err)
	}
	if got := fieldErrors(t, change.Rules{LeadMonths: -1}.Validate()); !slices.Equal(got, []string{"descriptionMax R-POL-01", "leadMonths R-POL-01", "maxRequests R-POL-01"}) {
		t.Errorf("errors = %q", got)
	}
}
