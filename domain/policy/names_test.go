package policy_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/policy"
)

// problems renders field errors and warnings as "path rule" for comparison.
func problems(warnings []domain.Warning, err error) (errs, warns []string) {
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		for _, f := range ve.Fields {
			errs = append(errs, f.Path+" "+f.Rule)
		}
	}
	for _, w := range warnings {
		warns = append(warns, w.Path+" "+w.Rule)
	}
	return errs, warns
}

func TestNameRulesCheck(t *testing.T) {
	const okZh, okEn = "计算材料学国际研讨会", "International Workshop on Computational Materials"
	tests := []struct {
		name      string
		zh, en    string
		wantErrs  []string
		wantWarns []string
	}{
		{"plain names", okZh, okEn, nil, nil},
		{"blank names are the caller's business", "", "", nil, nil},
		// R-DECL-03: lengths count characters, not bytes.
		{"50 Chinese characters", strings.Repeat("会", 50), okEn, nil, nil},
		{"51 Chinese characters", strings.Repeat("会", 51), okEn, []string{"nameZh R-DECL-03"}, nil},
		{"100 English characters", okZh, strings.Repeat("a", 100), nil, nil},
		{"101 English characters", okZh, strings.Repeat("a", 101), []string{"nameEn R-DECL-03"}, nil},
		{"surrounding spaces do not count", " " + strings.Repeat("会", 50) + " ", okEn, nil, nil},
		// R-FC-03: forbidden Chinese terms are errors.
		{"第一届", "第一届材料学国际研讨会", okEn, []string{"nameZh R-FC-03"}, nil},
		{"首届", "首届材料学国际研讨会", okEn, []string{"nameZh R-FC-03"}, nil},
		{"第1届 with a full-width digit", "第１届材料学国际研讨会", okEn, []string{"nameZh R-FC-03"}, nil},
		{"峰会 split by a space", "材料学峰 会", okEn, []string{"nameZh R-FC-03"}, nil},
		{"高峰论坛", "材料学高峰论坛", okEn, []string{"nameZh R-FC-03"}, nil},
		{"several terms, all reported", "首届世界大会暨高层会议", okEn, []string{"nameZh R-FC-03", "nameZh R-FC-03", "nameZh R-FC-03"}, nil},
		{"国际论坛", "材料学国际论坛", okEn, []string{"nameZh R-FC-03"}, nil},
		{"全球大会", "材料学全球大会", okEn, []string{"nameZh R-FC-03"}, nil},
		{"forbidden term in the English field", okZh, "Materials 峰会", []string{"nameEn R-FC-03"}, nil},
		// R-FC-03: 双边会议 and the English equivalents are warnings.
		{"双边会议", "中德材料学双边会议", okEn, nil, []string{"nameZh R-FC-03"}},
		{"First", okZh, "The First Workshop on Materials", nil, []string{"nameEn R-FC-03"}},
		{"FIRST in capitals", okZh, "FIRST WORKSHOP ON MATERIALS", nil, []string{"nameEn R-FC-03"}},
		{"Firstly is not First", okZh, "Firstly, Materials", nil, nil},
		{"First-ever", okZh, "First-ever Workshop on Materials", nil, []string{"nameEn R-FC-03"}},
		{"1st", okZh, "1st Workshop on Materials", nil, []string{"nameEn R-FC-03"}},
		{"21st is not 1st", okZh, "Materials for the 21st Century", nil, nil},
		{"Summit", okZh, "Materials Summit 2027", nil, []string{"nameEn R-FC-03"}},
		{"Summits", okZh, "Materials Summits", nil, []string{"nameEn R-FC-03"}},
		{"summitry is not Summit", okZh, "Workshop on Summitry", nil, nil},
		{"full-width Ｓｕｍｍｉｔ", okZh, "Materials Ｓｕｍｍｉｔ", nil, []string{"nameEn R-FC-03"}},
		{"Summit next to Chinese", "材料学Summit研讨会", okEn, nil, []string{"nameZh R-FC-03"}},
		{"International Forum", okZh, "International Forum on Materials", nil, []string{"nameEn R-FC-03"}},
		{"International and Forum apart", okZh, "International Workshop: a Forum for Materials", nil, nil},
		{"Global Congress", okZh, "Global  Congress of Materials", nil, []string{"nameEn R-FC-03"}},
		{"World Congresses", okZh, "World Congresses of Materials", nil, []string{"nameEn R-FC-03"}},
		{"High-level", okZh, "High-Level Dialogue on Materials", nil, []string{"nameEn R-FC-03"}},
		{"high level without hyphen", okZh, "high level dialogue on materials", nil, []string{"nameEn R-FC-03"}},
		{"Highlevel is one word", okZh, "Highlevel Materials", nil, nil},
		{"Inaugural", okZh, "Inaugural Workshop on Materials", nil, []string{"nameEn R-FC-03"}},
	}
	rules := policy.Default().Names
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			warnings, err := rules.Check(tt.zh, tt.en)
			errs, warns := problems(warnings, err)
			if !slices.Equal(errs, tt.wantErrs) {
				t.Errorf("Check(%q, %q) errors = %q; want %q", tt.zh, tt.en, errs, tt.wantErrs)
			}
			if !slices.Equal(warns, tt.wantWarns) {
				t.Errorf("Check(%q, %q) warnings = %q; want %q", tt.zh, tt.en, warns, tt.wantWarns)
			}
		})
	}
}

// R-FC-03: the messages name the term, in both languages.
func TestNameRulesMessages(t *testing.T) {
	warnings, err := policy.Default().Names.Check("材料学峰会", "Materials Summit")
	var ve *domain.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) != 1 {
		t.Fatalf("Check error = %v; want one field error", err)
	}
	if f := ve.Fields[0]; !strings.Contains(f.Message, "峰会") || !strings.Contains(f.Zh, "峰会") {
		t.Errorf("field error = %+v; want both messages to name 峰会", f)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0].Message, "Summit") || !strings.Contains(warnings[0].Zh, "Summit") {
		t.Errorf("warnings = %+v; want one naming Summit in both languages", warnings)
	}
}
