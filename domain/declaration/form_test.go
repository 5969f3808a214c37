package declaration_test

import (
	"strings"
	"testing"
	"time"

	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/forecast"
)

// R-DECL-15: every section is saved on its own; a save reports all format
// errors of that section at once and nothing else.
func TestSaveSections(t *testing.T) {
	now := submitDay
	basic := func(edit func(*declaration.Basic)) func(*declaration.Declaration) error {
		return func(d *declaration.Declaration) error {
			b := validForm().Basic
			edit(&b)
			return d.SaveBasic(applicant, b, pol, rules, now)
		}
	}
	budget := func(lines ...declaration.BudgetLine) func(*declaration.Declaration) error {
		return func(d *declaration.Declaration) error { return d.SaveBudget(applicant, lines, pol, now) }
	}
	tests := []struct {
		name string
		save func(*declaration.Declaration) error
		want []string
	}{
		// R-DECL-03: names counted in characters, not bytes.
		{"R-DECL-03 50 Chinese characters", basic(func(b *declaration.Basic) { b.NameZh = strings.Repeat("材", 50) }), nil},
		{"R-DECL-03 51 Chinese characters", basic(func(b *declaration.Basic) { b.NameZh = strings.Repeat("材", 51) }), []string{"basic.nameZh R-DECL-03"}},
		{"R-DECL-03 100 English characters", basic(func(b *declaration.Basic) { b.NameEn = strings.Repeat("M", 100) }), nil},
		{"R-DECL-03 100 characters, 101 bytes", basic(func(b *declaration.Basic) { b.NameEn = strings.Repeat("M", 99) + "é" }), nil},
		{"R-DECL-03 101 English characters", basic(func(b *declaration.Basic) { b.NameEn = strings.Repeat("M", 101) }), []string{"basic.nameEn R-DECL-03"}},
		{"R-FC-03 forbidden term", basic(func(b *declaration.Basic) { b.NameZh = "首届计算材料学国际研讨会" }), []string{"basic.nameZh R-FC-03"}},
		{"R-FC-03 Chinese name in Latin letters", basic(func(b *declaration.Basic) { b.NameZh = "ICCM 2027" }), []string{"basic.nameZh R-FC-03"}},
		{"R-DECL-15 names may be blank in a draft", basic(func(b *declaration.Basic) { b.NameZh, b.NameEn = "", "" }), nil},
		// R-DECL-04: duration counted inclusively.
		{"R-DECL-04 5-day conference", basic(func(b *declaration.Basic) { b.EndDate = date(2027, time.April, 24) }), nil},
		{"R-DECL-04 6-day conference", basic(func(b *declaration.Basic) { b.EndDate = date(2027, time.April, 25) }), []string{"basic.endDate R-DECL-04"}},
		{"R-DECL-04 one-day conference", basic(func(b *declaration.Basic) { b.EndDate = b.StartDate }), nil},
		{"R-DECL-04 end before start", basic(func(b *declaration.Basic) { b.EndDate = date(2027, time.April, 19) }), []string{"basic.endDate R-DECL-04"}},
		{"R-DECL-04 commitment after start", basic(func(b *declaration.Basic) { b.CommitmentDate = date(2027, time.April, 21) }), []string{"basic.commitmentDate R-DECL-04"}},
		// R-DECL-07, R-CLS-01: location and type.
		{"R-DECL-07 unknown location", basic(func(b *declaration.Basic) { b.Location = "abroad" }), []string{"basic.location SCHEMA"}},
		{"R-DECL-07 other city without approval yet", basic(func(b *declaration.Basic) { b.Location = declaration.OtherCity }), nil},
		{"R-DECL-07 malformed approval reference", basic(func(b *declaration.Basic) {
			b.Location, b.LocalApproval = declaration.OtherCity, declaration.Attachment{Name: "批复.pdf", SHA256: "xyz"}
		}), []string{"basic.localApproval.id SCHEMA", "basic.localApproval.sha256 SCHEMA", "basic.localApproval.contentType SCHEMA", "basic.localApproval.size SCHEMA"}},
		{"R-CLS-01 unknown type and scale", basic(func(b *declaration.Basic) { b.Type, b.Scale = "engineering", "huge" }), []string{"basic.type SCHEMA", "basic.scale SCHEMA"}},
		{"R-DECL-15 all basic errors at once", basic(func(b *declaration.Basic) {
			b.NameZh, b.EndDate, b.Location = strings.Repeat("材", 51), date(2027, time.April, 30), "x"
		}), []string{"basic.nameZh R-DECL-03", "basic.endDate R-DECL-04", "basic.location SCHEMA"}},

		// R-DECL-08: counts.
		{"R-DECL-08 negative counts", func(d *declaration.Declaration) error {
			return d.SaveAttendance(applicant, declaration.Attendance{Foreign: -1, Mainland: -2, HKMacaoTaiwan: 0}, now)
		}, []string{"attendance.foreign R-DECL-08", "attendance.mainland R-DECL-08"}},
		{"R-DECL-08 zero counts in a draft", func(d *declaration.Declaration) error {
			return d.SaveAttendance(applicant, declaration.Attendance{}, now)
		}, nil},
		{"R-DECL-08 absurd count", func(d *declaration.Declaration) error {
			return d.SaveAttendance(applicant, declaration.Attendance{HKMacaoTaiwan: 2_000_000}, now)
		}, []string{"attendance.hkMacaoTaiwan SCHEMA"}},

		// R-DECL-09, R-DECL-20: hosting.
		{"R-DECL-09 unknown role, long name", func(d *declaration.Declaration) error {
			return d.SaveHosting(applicant, []declaration.Organisation{{Role: "sponsor", NameZh: strings.Repeat("校", 201)}}, pol, now)
		}, []string{"hosting[0].role SCHEMA", "hosting[0].nameZh R-DECL-09"}},
		{"R-DECL-20 foreign co-host incomplete in a draft", func(d *declaration.Declaration) error {
			return d.SaveHosting(applicant, []declaration.Organisation{{Role: forecast.Joint, Foreign: true}}, pol, now)
		}, nil},

		// R-DECL-10: amounts.
		{"R-DECL-10 two decimals", budget(declaration.BudgetLine{Source: declaration.Sponsorship, Amount: "12000.55"}), nil},
		{"R-DECL-10 three decimals", budget(declaration.BudgetLine{Source: declaration.Sponsorship, Amount: "12000.555"}), []string{"budget[0].amount R-DECL-10"}},
		{"R-DECL-10 negative amount", budget(declaration.BudgetLine{Source: declaration.Sponsorship, Amount: "-100"}), []string{"budget[0].amount R-DECL-10"}},
		{"R-DECL-10 not a number", budget(declaration.BudgetLine{Source: declaration.Sponsorship, Amount: "1e5"}), []string{"budget[0].amount R-DECL-10"}},
		{"R-DECL-10 errors by line", budget(
			declaration.BudgetLine{Source: declaration.SelfRaised, Amount: "1"},
			declaration.BudgetLine{Source: "lottery", Amount: "2"},
			declaration.BudgetLine{Source: declaration.OtherSource, Amount: "0.001"},
		), []string{"budget[1].source SCHEMA", "budget[2].amount R-DECL-10"}},
		{"R-DECL-10 other without explanation in a draft", budget(declaration.BudgetLine{Source: declaration.OtherSource}), nil},

		// R-DECL-12: content.
		{"R-DECL-12 negative previous counts", func(d *declaration.Declaration) error {
			return d.SaveContent(applicant, declaration.Content{PreviousEditions: []declaration.Edition{{Attendees: -1, Foreign: 3}}}, pol, now)
		}, []string{"content.previousEditions[0].attendees R-DECL-12"}},
		{"R-DECL-12 more foreign than attendees", func(d *declaration.Declaration) error {
			return d.SaveContent(applicant, declaration.Content{PreviousEditions: []declaration.Edition{{Attendees: 10, Foreign: 11}}}, pol, now)
		}, []string{"content.previousEditions[0].foreign R-DECL-12"}},

		// R-DECL-13: people.
		{"R-DECL-13 over-long nationality", func(d *declaration.Declaration) error {
			return d.SavePeople(applicant, declaration.People{Foreign: []declaration.Person{{}, {Nationality: strings.Repeat("国", 201)}}}, pol, now)
		}, []string{"people.foreign[1].nationality R-DECL-13"}},

		// R-DECL-14: agenda and contacts.
		{"R-DECL-14 malformed contact", func(d *declaration.Declaration) error {
			return d.SaveContacts(applicant, []declaration.Contact{{Kind: "boss", Phone: "call me", Email: "nobody"}}, pol, now)
		}, []string{"contacts[0].kind SCHEMA", "contacts[0].phone R-DECL-14", "contacts[0].email R-DECL-14"}},
		{"R-DECL-14 over-long agenda time", func(d *declaration.Declaration) error {
			return d.SaveAgenda(applicant, []declaration.AgendaItem{{Time: strings.Repeat("9", 201)}}, pol, now)
		}, []string{"agenda[0].time R-DECL-14"}},

		// Applicant.
		{"R-DECL-15 applicant mobile and email", func(d *declaration.Declaration) error {
			return d.SaveApplicant(applicant, declaration.Applicant{Mobile: "12345", Email: "x@localhost"}, pol, now)
		}, []string{"applicant.mobile R-DECL-15", "applicant.email R-DECL-15"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := started(t)
			before := len(d.Pending())
			got := fieldErrors(t, tt.save(d))
			if !sameErrors(got, tt.want) {
				t.Fatalf("errors = %q; want %q", got, tt.want)
			}
			grew := len(d.Pending()) - before
			if tt.want == nil && grew != 1 || tt.want != nil && grew != 0 {
				t.Errorf("Pending() grew by %d", grew)
			}
		})
	}
}

// R-DECL-15: an empty section of every kind saves as a draft.
func TestSaveEmptySections(t *testing.T) {
	d := started(t)
	saveAll(t, d, declaration.Form{})
	if d.Status() != declaration.StatusDraft {
		t.Errorf("Status() = %s; want draft", d.Status())
	}
	if got := d.Form().Basic.NameZh; got != "" {
		t.Errorf("NameZh = %q after saving an empty basic section; want it replaced", got)
	}
}

// R-DECL-08: domestic and total are computed, never typed.
func TestAttendanceSums(t *testing.T) {
	a := declaration.Attendance{Foreign: 40, Mainland: 100, HKMacaoTaiwan: 10}
	if a.Domestic() != 110 || a.Total() != 150 {
		t.Errorf("Domestic() = %d, Total() = %d; want 110, 150", a.Domestic(), a.Total())
	}
}

// R-DECL-10: amounts are yuan with at most two decimals, kept exactly.
func TestParseAmount(t *testing.T) {
	tests := []struct {
		in   string
		fen  int64
		err  error
		back string
	}{
		{"0", 0, nil, "0.00"},
		{"12000", 1_200_000, nil, "12000.00"},
		{"12000.5", 1_200_050, nil, "12000.50"},
		{"12000.05", 1_200_005, nil, "12000.05"},
		{"0.1", 10, nil, "0.10"},
		{"007.00", 700, nil, "7.00"},
		{"12000.555", 0, declaration.ErrAmountPrecision, ""},
		{"-5", 0, declaration.ErrAmountNegative, ""},
		{"-5.123", 0, declaration.ErrAmountNegative, ""},
		{"--5", 0, declaration.ErrAmountSyntax, ""},
		{"-", 0, declaration.ErrAmountSyntax, ""},
		{"", 0, declaration.ErrAmountSyntax, ""},
		{"12.", 0, declaration.ErrAmountSyntax, ""},
		{".5", 0, declaration.ErrAmountSyntax, ""},
		{"1,000", 0, declaration.ErrAmountSyntax, ""},
		{"1e3", 0, declaration.ErrAmountSyntax, ""},
		{"+5", 0, declaration.ErrAmountSyntax, ""},
		{"１２", 0, declaration.ErrAmountSyntax, ""},
		{"1000000000000", 100_000_000_000_000, nil, "1000000000000.00"},
		{"1000000000000.01", 0, declaration.ErrAmountTooLarge, ""},
		{"99999999999999999999999", 0, declaration.ErrAmountTooLarge, ""},
	}
	for _, tt := range tests {
		fen, err := declaration.ParseAmount(tt.in)
		if err != tt.err || fen != tt.fen {
			t.Errorf("ParseAmount(%q) = %d, %v; want %d, %v", tt.in, fen, err, tt.fen, tt.err)
			continue
		}
		if err == nil && declaration.FormatFen(fen) != tt.back {
			t.Errorf("FormatFen(%d) = %q; want %q", fen, declaration.FormatFen(fen), tt.back)
		}
	}
}

// R-DECL-10, R-DECL-15: saved sections are trimmed and amounts written with
// two decimals.
func TestSaveNormalises(t *testing.T) {
	d := started(t)
	b := validForm().Basic
	b.NameZh = "  计算材料学国际研讨会 "
	b.NameEn = "Computational Materials Summit"
	if err := d.SaveBasic(applicant, b, pol, rules, submitDay); err != nil {
		t.Fatal(err)
	}
	if err := d.SaveBudget(applicant, []declaration.BudgetLine{{Source: declaration.SelfRaised, Amount: " 80000.5 "}}, pol, submitDay); err != nil {
		t.Fatal(err)
	}
	f := d.Form()
	if f.Basic.NameZh != "计算材料学国际研讨会" || f.Budget[0].Amount != "80000.50" || declaration.FenOf(f.Budget[0].Amount) != 8_000_050 {
		t.Errorf("saved nameZh %q, amount %q; want trimmed, 80000.50", f.Basic.NameZh, f.Budget[0].Amount)
	}
	if w := d.Warnings(); len(w) != 1 || w[0].Path != "basic.nameEn" || w[0].Rule != "R-FC-03" {
		t.Errorf("Warnings() = %+v; want one R-FC-03 warning on basic.nameEn", w)
	}
	// Form is a copy.
	f.Budget[0].Amount = "1"
	if d.Form().Budget[0].Amount != "80000.50" {
		t.Error("changing Form()'s result changed the declaration")
	}
}

// R-DECL-04: the duration counts both days.
func TestBasicDays(t *testing.T) {
	b := declaration.Basic{StartDate: date(2027, time.February, 27), EndDate: date(2027, time.March, 3)}
	if b.Days() != 5 {
		t.Errorf("Days() from 2027-02-27 to 2027-03-03 = %d; want 5", b.Days())
	}
	b.EndDate = date(2027, time.February, 26)
	if b.Days() != 0 {
		t.Errorf("Days() with the end before the start = %d; want 0", b.Days())
	}
}
