package summary_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/domaintest"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/domain/summary"
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
	unitAdmin   = domain.Actor{UserID: uuid.New(), Role: domain.RoleUnitAdmin, OrgID: unitID, University: universityID, Authority: authorityID}
	schoolAdmin = domain.Actor{UserID: uuid.New(), Role: domain.RoleSchoolAdmin, OrgID: universityID, University: universityID, Authority: authorityID}

	pol   = policy.Default()
	rules = summary.DefaultRules()
	end   = date(2027, time.May, 12)
)

func shanghai(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, domain.Shanghai)
}

func date(y int, m time.Month, d int) domain.Date { return domain.Date{Year: y, Month: m, Day: d} }

func snapshot() summary.Snapshot {
	return summary.Snapshot{ID: confID, ApplicantID: applicant.UserID, Status: declaration.StatusAuthorityApproved,
		Scope:  domain.Scope{Owner: applicant.UserID, Unit: unitID, University: universityID, Authority: authorityID, AtAuthority: true},
		NameZh: "计算材料学国际研讨会", EndDate: end}
}

func file(name, contentType string) declaration.Attachment {
	return declaration.Attachment{ID: uuid.New(), SHA256: strings.Repeat("cd", 32), Name: name, ContentType: contentType, Size: 4096}
}

func photos(n int) []summary.Photo {
	out := make([]summary.Photo, n)
	for i := range out {
		out[i] = summary.Photo{File: file(fmt.Sprintf("p%d.jpg", i), "image/jpeg"), Caption: "开幕式，主席台左起：示例人物，示例大学教授；2027年5月10日，示例市"}
	}
	return out
}

func complete() summary.Content {
	return summary.Content{
		Academic: strings.Repeat("学", 3000),
		Attendance: []summary.CountryCount{{Region: summary.Mainland, Count: 120}, {Region: summary.HongKong, Count: 5},
			{Region: summary.Taiwan, Count: 3}, {Region: summary.Foreign, Country: "德国", Count: 12}, {Region: summary.Foreign, Country: "日本", Count: 9}},
		PapersDomestic: 80, PapersForeign: 25, Proceedings: "论文集已由示例出版社出版",
		Photos: photos(3), ProceedingsFile: file("论文集.pdf", "application/pdf"),
		Domestic: []summary.Attendee{{Name: "示例甲", Country: "中国", Institution: "示例大学", Title: "教授"}},
		Foreign:  []summary.Attendee{{Name: "Alex Example", Country: "Germany", Institution: "Example Institute"}},
	}
}

func opened(t *testing.T) *summary.Summary {
	t.Helper()
	s := summary.New(confID)
	if err := s.Open(applicant, snapshot(), rules, shanghai(2027, time.May, 13, 0, 0)); err != nil {
		t.Fatal(err)
	}
	return s
}

// R-SUM-01: the entry opens on the day after the end date (Asia/Shanghai).
func TestOpen(t *testing.T) {
	unapproved := snapshot()
	unapproved.Status = declaration.StatusSubmitted
	tests := []struct {
		name  string
		actor domain.Actor
		snap  summary.Snapshot
		now   time.Time
		want  string
	}{
		{"R-SUM-01 the day of the end date", applicant, snapshot(), shanghai(2027, time.May, 12, 23, 59), "state R-SUM-01"},
		{"R-SUM-01 the day after the end date", applicant, snapshot(), shanghai(2027, time.May, 13, 0, 0), "ok"},
		{"R-SUM-01 UTC afternoon of the end date is the next Shanghai day", applicant, snapshot(), time.Date(2027, time.May, 12, 16, 0, 0, 0, time.UTC), "ok"},
		{"R-SUM-01 before the conference", applicant, snapshot(), shanghai(2027, time.April, 1, 9, 0), "state R-SUM-01"},
		{"R-SUM-01 conference not approved", applicant, unapproved, shanghai(2027, time.June, 1, 9, 0), "state R-SUM-01"},
		{"R-ACT-01 school admin", schoolAdmin, snapshot(), shanghai(2027, time.June, 1, 9, 0), "forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := summary.New(confID)
			err := s.Open(tt.actor, tt.snap, rules, tt.now)
			if got := outcome(err); got != tt.want {
				t.Fatalf("Open = %s (%v); want %s", got, err, tt.want)
			}
			if tt.want == "ok" && s.DueDate() != date(2027, time.July, 12) {
				t.Errorf("DueDate = %s; want 2027-07-12", s.DueDate())
			}
		})
	}
}

// R-SUM-02: due on end + 2 calendar months, overdue from the day after.
func TestDueAndOverdue(t *testing.T) {
	tests := []struct {
		name    string
		end     domain.Date
		today   domain.Date
		due     domain.Date
		overdue bool
	}{
		{"R-SUM-02 on the due date", end, date(2027, time.July, 12), date(2027, time.July, 12), false},
		{"R-SUM-02 the day after the due date", end, date(2027, time.July, 13), date(2027, time.July, 12), true},
		{"R-SUM-02 month end: 12-31 is due 02-29 of a leap year", date(2027, time.December, 31), date(2028, time.February, 29), date(2028, time.February, 29), false},
		{"R-SUM-02 month end: overdue on 03-01", date(2027, time.December, 31), date(2028, time.March, 1), date(2028, time.February, 29), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rules.DueDate(tt.end); got != tt.due {
				t.Errorf("DueDate(%s) = %s; want %s", tt.end, got, tt.due)
			}
			if got := rules.Overdue(tt.end, tt.today); got != tt.overdue {
				t.Errorf("Overdue(%s, %s) = %v; want %v", tt.end, tt.today, got, tt.overdue)
			}
		})
	}
	t.Run("R-SUM-02 aggregate: open is overdue, submitted is not", func(t *testing.T) {
		s := opened(t)
		if s.Overdue(date(2027, time.July, 12)) || !s.Overdue(date(2027, time.July, 13)) {
			t.Error("draft: want not overdue on the due date, overdue the day after")
		}
		if err := s.Save(applicant, complete(), pol, rules, shanghai(2027, time.July, 20, 9, 0)); err != nil {
			t.Fatal(err)
		}
		if err := s.Submit(applicant, pol, rules, shanghai(2027, time.July, 20, 9, 0)); err != nil {
			t.Fatal(err)
		}
		if s.Overdue(date(2027, time.July, 21)) {
			t.Error("a submitted summary is overdue")
		}
		if e := s.Pending()[len(s.Pending())-1].(summary.Submitted); !e.Late {
			t.Error("a submission after the due date is not marked late")
		}
	})
}

// R-SUM-03: the content rules; drafts check formats only.
func TestContent(t *testing.T) {
	png := photos(3)
	png[1].File.ContentType = "image/png"
	tests := []struct {
		name       string
		edit       func(*summary.Content)
		saveWant   []string // nil: the draft saves
		submitWant []string // nil: it submits
	}{
		{"R-SUM-03 complete, 3000 characters", func(*summary.Content) {}, nil, nil},
		{"R-SUM-03 2999 characters", func(c *summary.Content) { c.Academic = strings.Repeat("学", 2999) }, nil, []string{"academic R-SUM-03"}},
		{"R-SUM-03 2 photos", func(c *summary.Content) { c.Photos = photos(2) }, nil, []string{"photos R-SUM-03"}},
		{"R-SUM-03 5 photos", func(c *summary.Content) { c.Photos = photos(5) }, nil, nil},
		{"R-SUM-03 6 photos", func(c *summary.Content) { c.Photos = photos(6) }, []string{"photos R-SUM-03"}, []string{"photos R-SUM-03"}},
		{"R-SUM-03 a PNG photo", func(c *summary.Content) { c.Photos = png }, []string{"photos[1].file.contentType R-SUM-03"}, []string{"photos[1].file.contentType R-SUM-03"}},
		{"R-SUM-03 a photo without caption", func(c *summary.Content) { c.Photos[0].Caption = " " }, nil, []string{"photos[0].caption R-SUM-03"}},
		{"R-SUM-03 negative count", func(c *summary.Content) { c.Attendance[0].Count = -1 }, []string{"attendance[0].count R-SUM-03"}, []string{"attendance[0].count R-SUM-03"}},
		{"R-SUM-03 empty lists need a note", func(c *summary.Content) { c.Foreign = nil }, nil, []string{"foreign R-SUM-03"}},
		{"R-SUM-03 empty list explained", func(c *summary.Content) { c.Foreign, c.ForeignNote = nil, "外宾名单见论文集附录" }, nil, nil},
		{"R-SUM-03 empty draft", func(c *summary.Content) { *c = summary.Content{} }, nil,
			[]string{"academic R-SUM-03", "attendance R-SUM-03", "domestic R-SUM-03", "foreign R-SUM-03", "photos R-SUM-03", "proceedings R-SUM-03", "proceedingsFile R-SUM-03"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := opened(t)
			c := complete()
			tt.edit(&c)
			now := shanghai(2027, time.June, 1, 9, 0)
			err := s.Save(applicant, c, pol, rules, now)
			if tt.saveWant != nil {
				if got := fieldErrors(t, err); !slices.Equal(got, tt.saveWant) {
					t.Errorf("Save errors = %q; want %q", got, tt.saveWant)
				}
				return
			}
			if err != nil {
				t.Fatalf("Save: %v", err)
			}
			err = s.Submit(applicant, pol, rules, now)
			if tt.submitWant == nil {
				if err != nil {
					t.Fatalf("Submit: %v", err)
				}
				return
			}
			if got := fieldErrors(t, err); !slices.Equal(got, tt.submitWant) {
				t.Errorf("Submit errors = %q; want %q", got, tt.submitWant)
			}
		})
	}
}

// R-SUM-03: domestic and foreign are computed; HK, Macao, Taiwan are domestic.
func TestCounts(t *testing.T) {
	c := complete()
	if c.DomesticCount() != 128 || c.ForeignCount() != 21 {
		t.Errorf("DomesticCount, ForeignCount = %d, %d; want 128, 21", c.DomesticCount(), c.ForeignCount())
	}
}

// R-SUM-04: the school accepts or returns; a returned summary is edited and
// submitted again.
func TestReview(t *testing.T) {
	s := opened(t)
	now := shanghai(2027, time.June, 1, 9, 0)
	if err := s.Save(applicant, complete(), pol, rules, now); err != nil {
		t.Fatal(err)
	}
	if err := s.Accept(schoolAdmin, "", now); outcome(err) != "state R-SUM-04" {
		t.Errorf("Accept a draft = %v; want state R-SUM-04", err)
	}
	if err := s.Submit(applicant, pol, rules, now); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(applicant, complete(), pol, rules, now); outcome(err) != "state R-SUM-04" {
		t.Errorf("Save while submitted = %v; want state R-SUM-04", err)
	}
	if err := s.Accept(unitAdmin, "", now); outcome(err) != "forbidden" {
		t.Errorf("unit admin Accept = %v; want forbidden", err)
	}
	if err := s.Return(schoolAdmin, "", now); outcome(err) != "validation" {
		t.Errorf("Return without reason = %v; want validation", err)
	}
	if err := s.Return(schoolAdmin, "照片说明不完整", now); err != nil {
		t.Fatal(err)
	}
	if s.Status() != summary.StatusReturned || s.Returned().Reason != "照片说明不完整" {
		t.Fatalf("after Return: %s %+v", s.Status(), s.Returned())
	}
	c := complete()
	c.Photos = photos(4)
	if err := s.Save(applicant, c, pol, rules, now); err != nil {
		t.Fatal(err)
	}
	if err := s.Submit(applicant, pol, rules, now); err != nil {
		t.Fatal(err)
	}
	if err := s.Accept(schoolAdmin, "材料完整", now); err != nil {
		t.Fatal(err)
	}
	replayed := summary.New(confID)
	for _, e := range s.Pending() {
		data, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		d, err := summary.Decode(e.EventType(), data)
		if err != nil {
			t.Fatal(err)
		}
		replayed.Apply(d)
	}
	if replayed.Status() != summary.StatusAccepted || len(replayed.Content().Photos) != 4 || replayed.DueDate() != date(2027, time.July, 12) {
		t.Errorf("replayed: %s, %d photos, due %s", replayed.Status(), len(replayed.Content().Photos), replayed.DueDate())
	}
}

func TestEventTypesAndRules(t *testing.T) {
	want := []string{"summary.opened", "summary.saved", "summary.submitted", "summary.accepted", "summary.returned"}
	if got := summary.EventTypes(); !slices.Equal(got, want) {
		t.Fatalf("EventTypes = %q", got)
	}
	if _, err := summary.Decode("summary.nope", []byte(`{}`)); !errors.Is(err, summary.ErrUnknownEvent) {
		t.Errorf("Decode unknown = %v", err)
	}
	if err := summary.DefaultRules().Validate(); err != nil {
		t.Fatal(err)
	}
	if err := (summary.Rules{}).Validate(); outcome(err) != "validation" {
		t.Errorf("zero Rules Validate = %v", err)
	}
}
