package classify_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/classify"
	"github.com/econf/econf/domain/policy"
)

const (
	natural = classify.NaturalScience
	social  = classify.SocialScience
)

func thresholds(r classify.Result) []string {
	var out []string
	for _, x := range r.Reasons {
		out = append(out, x.Rule+" "+x.Threshold)
	}
	return out
}

// Every threshold is tested on both sides; bounds are inclusive (R-CLS-00).
func TestClassify(t *testing.T) {
	tests := []struct {
		name           string
		typ            classify.Type
		foreign, total int
		flags          classify.Flags
		want           classify.Scale
		wantReasons    []string
	}{
		// R-CLS-02: small is natural science, not sensitive, foreign <= 30.
		{"R-CLS-02 natural 30 foreign is small", natural, 30, 100, classify.Flags{}, classify.Small, []string{"R-CLS-02 foreign <= 30"}},
		{"R-CLS-02 natural 0 foreign is small", natural, 0, 50, classify.Flags{}, classify.Small, []string{"R-CLS-02 foreign <= 30"}},
		{"R-CLS-02 natural 31 foreign is general", natural, 31, 100, classify.Flags{}, classify.General, []string{"R-CLS-03 foreign < 300 and total < 800", "R-CLS-02 foreign > 30"}},
		{"R-CLS-02 sensitive natural 10 foreign is major, not small", natural, 10, 20, classify.Flags{Sensitive: true}, classify.Major, []string{"R-CLS-04 flag sensitive"}},
		{"R-CLS-02 social science is never small", social, 5, 20, classify.Flags{}, classify.General, []string{"R-CLS-03 foreign < 100 and total < 400"}},
		// R-CLS-03 / R-CLS-04, social science: foreign 100, total 400.
		{"R-CLS-03 social 99 foreign 399 total is general", social, 99, 399, classify.Flags{}, classify.General, []string{"R-CLS-03 foreign < 100 and total < 400"}},
		{"R-CLS-04 social 100 foreign is major", social, 100, 150, classify.Flags{}, classify.Major, []string{"R-CLS-04 foreign >= 100"}},
		{"R-CLS-04 social 400 total is major", social, 10, 400, classify.Flags{}, classify.Major, []string{"R-CLS-04 total >= 400"}},
		{"R-CLS-04 social both thresholds", social, 100, 400, classify.Flags{}, classify.Major, []string{"R-CLS-04 foreign >= 100", "R-CLS-04 total >= 400"}},
		// R-CLS-03 / R-CLS-04, natural science: foreign 300, total 800.
		{"R-CLS-03 natural 299 foreign 799 total is general", natural, 299, 799, classify.Flags{}, classify.General, []string{"R-CLS-03 foreign < 300 and total < 800", "R-CLS-02 foreign > 30"}},
		{"R-CLS-04 natural 300 foreign is major", natural, 300, 500, classify.Flags{}, classify.Major, []string{"R-CLS-04 foreign >= 300"}},
		{"R-CLS-04 natural 800 total is major", natural, 10, 800, classify.Flags{}, classify.Major, []string{"R-CLS-04 total >= 800"}},
		{"R-CLS-04 natural 100 foreign is not major", natural, 100, 399, classify.Flags{}, classify.General, []string{"R-CLS-03 foreign < 300 and total < 800", "R-CLS-02 foreign > 30"}},
		// R-CLS-04: every non-count trigger makes a small conference major.
		{"R-CLS-04 UN body", natural, 5, 10, classify.Flags{UNBody: true}, classify.Major, []string{"R-CLS-04 flag unBody"}},
		{"R-CLS-04 intergovernmental organisation", natural, 5, 10, classify.Flags{IntergovernmentalOrg: true}, classify.Major, []string{"R-CLS-04 flag intergovernmentalOrg"}},
		{"R-CLS-04 core interests", natural, 5, 10, classify.Flags{CoreInterests: true}, classify.Major, []string{"R-CLS-04 flag coreInterests"}},
		{"R-CLS-04 foreign ministers", social, 5, 10, classify.Flags{ForeignMinisters: true}, classify.Major, []string{"R-CLS-04 flag foreignMinisters"}},
		{"R-CLS-04 national leaders", social, 5, 10, classify.Flags{NationalLeaders: true}, classify.Major, []string{"R-CLS-04 flag nationalLeaders"}},
		{"R-CLS-04 NPC, CPPCC, court or procuratorate leaders", social, 5, 10, classify.Flags{StateLeadersNPC: true}, classify.Major, []string{"R-CLS-04 flag stateLeadersNpc"}},
		{"R-CLS-04 flags and counts all reported", social, 120, 120, classify.Flags{UNBody: true, Sensitive: true}, classify.Major, []string{"R-CLS-04 flag unBody", "R-CLS-04 flag sensitive", "R-CLS-04 foreign >= 100"}},
		{"unknown type: flags only", "", 1000, 5000, classify.Flags{}, classify.General, nil},
	}
	p := policy.Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classify.Classify(p, tt.typ, tt.foreign, tt.total, tt.flags)
			if got.Scale != tt.want {
				t.Errorf("Classify(%s, %d, %d, %+v).Scale = %s; want %s", tt.typ, tt.foreign, tt.total, tt.flags, got.Scale, tt.want)
			}
			if r := thresholds(got); !slices.Equal(r, tt.wantReasons) {
				t.Errorf("Classify(%s, %d, %d, %+v) reasons = %q; want %q", tt.typ, tt.foreign, tt.total, tt.flags, r, tt.wantReasons)
			}
			for _, r := range got.Reasons {
				if r.Message == "" || r.Zh == "" {
					t.Errorf("reason %+v; want both messages", r)
				}
			}
		})
	}
}

// R-POL-01: thresholds come from the policy, not from literals.
func TestClassifyUsesPolicy(t *testing.T) {
	p := policy.Default()
	p.Classification.SmallMaxForeign = 50
	p.Classification.SocialMajor.Foreign = 80
	if got := classify.Classify(p, natural, 50, 60, classify.Flags{}).Scale; got != classify.Small {
		t.Errorf("with smallMaxForeign 50: natural 50 foreign = %s; want small", got)
	}
	if got := classify.Classify(p, social, 80, 90, classify.Flags{}).Scale; got != classify.Major {
		t.Errorf("with socialMajor.foreign 80: social 80 foreign = %s; want major", got)
	}
}

func TestCheckDeclared(t *testing.T) {
	tests := []struct {
		name           string
		declared       classify.Scale
		typ            classify.Type
		foreign, total int
		flags          classify.Flags
		wantRule       string // "" for no error
		wantPath       string
		wantInMessage  string
	}{
		{"R-CLS-05 declared equal", classify.General, social, 99, 399, classify.Flags{}, "", "", ""},
		{"R-CLS-05 declared higher is allowed", classify.Major, social, 10, 20, classify.Flags{}, "", "", ""},
		{"R-CLS-05 declared general for a small one is allowed", classify.General, natural, 10, 20, classify.Flags{}, "", "", ""},
		{"R-CLS-05 general but 100 foreign", classify.General, social, 100, 150, classify.Flags{}, "R-CLS-05", "scale", "foreign >= 100"},
		{"R-CLS-05 general but 800 total", classify.General, natural, 10, 800, classify.Flags{}, "R-CLS-05", "scale", "total >= 800"},
		{"R-CLS-05 general but national leaders", classify.General, natural, 10, 20, classify.Flags{NationalLeaders: true}, "R-CLS-05", "scale", "flag nationalLeaders"},
		{"R-CLS-05 small but 31 foreign", classify.Small, natural, 31, 40, classify.Flags{}, "R-CLS-05", "scale", "foreign > 30"},
		{"R-CLS-05 small at 30 foreign", classify.Small, natural, 30, 40, classify.Flags{}, "", "", ""},
		{"R-CLS-05 small but sensitive", classify.Small, natural, 3, 10, classify.Flags{Sensitive: true}, "R-CLS-05", "scale", "flag sensitive"},
		{"R-CLS-02 small social science", classify.Small, social, 3, 10, classify.Flags{}, "R-CLS-02", "scale", "natural-science"},
		{"unknown scale", "huge", social, 3, 10, classify.Flags{}, "SCHEMA", "scale", ""},
		{"unknown type", classify.General, "arts", 3, 10, classify.Flags{}, "SCHEMA", "type", ""},
	}
	p := policy.Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := classify.CheckDeclared(p, tt.declared, tt.typ, tt.foreign, tt.total, tt.flags)
			if tt.wantRule == "" {
				if err != nil {
					t.Fatalf("CheckDeclared = %v; want nil", err)
				}
				return
			}
			var ve *domain.ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) != 1 {
				t.Fatalf("CheckDeclared = %v; want one field error", err)
			}
			f := ve.Fields[0]
			if f.Rule != tt.wantRule || f.Path != tt.wantPath {
				t.Errorf("field error at %s, rule %s; want %s, %s", f.Path, f.Rule, tt.wantPath, tt.wantRule)
			}
			if !strings.Contains(f.Message, tt.wantInMessage) || f.Zh == "" {
				t.Errorf("message %q (zh %q); want it to contain %q and a Chinese text", f.Message, f.Zh, tt.wantInMessage)
			}
		})
	}
}

func TestScaleOrder(t *testing.T) {
	tests := []struct {
		a, b classify.Scale
		want bool
	}{
		{classify.Small, classify.General, true},
		{classify.General, classify.Major, true},
		{classify.Small, classify.Major, true},
		{classify.Major, classify.General, false},
		{classify.General, classify.General, false},
	}
	for _, tt := range tests {
		if got := tt.a.Less(tt.b); got != tt.want {
			t.Errorf("%s.Less(%s) = %v; want %v", tt.a, tt.b, got, tt.want)
		}
	}
	if classify.Scale("huge").Valid() || !classify.Major.Valid() {
		t.Error("Valid: want only the three scales valid")
	}
	if classify.Type("arts").Valid() || !classify.SocialScience.Valid() {
		t.Error("Valid: want only the two types valid")
	}
}
