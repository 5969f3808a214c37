package forecast_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/econf/econf/domain/classify"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/domain/policy"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(*forecast.Details)
		wantErrs  []string
		wantWarns []string
	}{
		{"complete forecast", func(*forecast.Details) {}, nil, nil},

		// R-FC-04: applicant fields.
		{"R-FC-04 applicant fields blank", func(d *forecast.Details) {
			d.Applicant = forecast.Applicant{Name: "  "}
		}, []string{"applicant.name R-FC-04", "applicant.title R-FC-04", "applicant.unit R-FC-04",
			"applicant.department R-FC-04", "applicant.mobile R-FC-04", "applicant.email R-FC-04"}, nil},
		{"R-FC-04 staff number optional", func(d *forecast.Details) { d.Applicant.StaffNo = "" }, nil, nil},
		{"R-FC-04 mobile 10 digits", func(d *forecast.Details) { d.Applicant.Mobile = "1380000000" }, []string{"applicant.mobile R-FC-04"}, nil},
		{"R-FC-04 mobile 12 digits", func(d *forecast.Details) { d.Applicant.Mobile = "138000000001" }, []string{"applicant.mobile R-FC-04"}, nil},
		{"R-FC-04 mobile not starting with 1", func(d *forecast.Details) { d.Applicant.Mobile = "23800000000" }, []string{"applicant.mobile R-FC-04"}, nil},
		{"R-FC-04 mobile with a letter", func(d *forecast.Details) { d.Applicant.Mobile = "1380000000a" }, []string{"applicant.mobile R-FC-04"}, nil},
		{"R-FC-04 mobile padded with spaces", func(d *forecast.Details) { d.Applicant.Mobile = " 13800000000 " }, nil, nil},
		{"R-FC-04 email may be any address", func(d *forecast.Details) { d.Applicant.Email = "someone@mail.example.com" }, nil, nil},
		{"R-FC-04 email without domain", func(d *forecast.Details) { d.Applicant.Email = "someone@localhost" }, []string{"applicant.email R-FC-04"}, nil},
		{"R-FC-04 email with display name", func(d *forecast.Details) { d.Applicant.Email = "Zhang <z@example.org>" }, []string{"applicant.email R-FC-04"}, nil},

		// R-FC-03 and R-DECL-03: names.
		{"R-FC-03 both names required", func(d *forecast.Details) { d.NameZh, d.NameEn = "", " " }, []string{"nameZh R-FC-03", "nameEn R-FC-03"}, nil},
		{"R-FC-03 Chinese name in Latin letters", func(d *forecast.Details) { d.NameZh = "ICCM 2027" }, []string{"nameZh R-FC-03"}, nil},
		{"R-FC-03 English name with Chinese characters", func(d *forecast.Details) { d.NameEn = "Workshop 研讨会" }, []string{"nameEn R-FC-03"}, nil},
		{"R-DECL-03 50 Chinese characters", func(d *forecast.Details) { d.NameZh = strings.Repeat("材", 50) }, nil, nil},
		{"R-DECL-03 51 Chinese characters", func(d *forecast.Details) { d.NameZh = strings.Repeat("材", 51) }, []string{"nameZh R-DECL-03"}, nil},
		{"R-DECL-03 100 English characters", func(d *forecast.Details) { d.NameEn = strings.Repeat("M", 100) }, nil, nil},
		{"R-DECL-03 101 English characters", func(d *forecast.Details) { d.NameEn = strings.Repeat("M", 101) }, []string{"nameEn R-DECL-03"}, nil},
		{"R-FC-03 首届 forbidden", func(d *forecast.Details) { d.NameZh = "首届计算材料学国际研讨会" }, []string{"nameZh R-FC-03"}, nil},
		{"R-FC-03 峰会 forbidden", func(d *forecast.Details) { d.NameZh = "计算材料学峰会" }, []string{"nameZh R-FC-03"}, nil},
		{"R-FC-03 双边会议 discouraged", func(d *forecast.Details) { d.NameZh = "中德计算材料学双边会议" }, nil, []string{"nameZh R-FC-03"}},
		{"R-FC-03 Summit discouraged", func(d *forecast.Details) { d.NameEn = "Computational Materials Summit" }, nil, []string{"nameEn R-FC-03"}},

		// R-FC-02 and R-FC-04: dates.
		{"R-FC-04 dates required", func(d *forecast.Details) { d.StartDate, d.CommitmentDate = date(0, 0, 0), date(0, 0, 0) },
			[]string{"startDate R-FC-04", "commitmentDate R-FC-04"}, nil},
		{"R-FC-02 start on January 1 of the plan year", func(d *forecast.Details) {
			d.StartDate, d.CommitmentDate = date(2027, time.January, 1), date(2026, time.December, 1)
		}, nil, nil},
		{"R-FC-02 start on December 31 of the plan year", func(d *forecast.Details) { d.StartDate = date(2027, time.December, 31) }, nil, nil},
		{"R-FC-02 start before the plan year", func(d *forecast.Details) {
			d.StartDate, d.CommitmentDate = date(2026, time.December, 31), date(2026, time.December, 1)
		}, []string{"startDate R-FC-02"}, nil},
		{"R-FC-02 start after the plan year", func(d *forecast.Details) { d.StartDate = date(2028, time.January, 1) }, []string{"startDate R-FC-02"}, nil},
		{"R-FC-04 commitment on the start date", func(d *forecast.Details) { d.CommitmentDate = d.StartDate }, nil, nil},
		{"R-FC-04 commitment after the start date", func(d *forecast.Details) { d.CommitmentDate = d.StartDate.AddDays(1) }, []string{"commitmentDate R-FC-04"}, nil},

		// R-FC-04: location.
		{"R-FC-04 province and address required", func(d *forecast.Details) { d.Province, d.Address = "", "" },
			[]string{"province R-FC-04", "address R-FC-04"}, nil},
		{"R-FC-04 off-site needs a justification", func(d *forecast.Details) { d.Local = false },
			[]string{"offsiteJustification R-FC-04"}, []string{"local R-FC-04"}},
		{"R-FC-04 off-site with a justification", func(d *forecast.Details) {
			d.Local, d.OffsiteJustification = false, "与合作单位在其所在城市联合举办"
		}, nil, []string{"local R-FC-04"}},

		// R-CLS-01, R-CLS-02, R-CLS-05: type, scale and counts.
		{"R-CLS-01 type required", func(d *forecast.Details) { d.Type = "" }, []string{"type R-CLS-01"}, nil},
		{"R-CLS-01 unknown type", func(d *forecast.Details) { d.Type = "engineering" }, []string{"type SCHEMA"}, nil},
		{"R-FC-04 scale required", func(d *forecast.Details) { d.Scale = "" }, []string{"scale R-FC-04"}, nil},
		{"R-FC-04 unknown scale", func(d *forecast.Details) { d.Scale = "medium" }, []string{"scale SCHEMA"}, nil},
		{"R-FC-04 negative counts", func(d *forecast.Details) { d.ChineseCount, d.ForeignCount = -1, -2 },
			[]string{"chineseCount R-FC-04", "foreignCount R-FC-04"}, nil},
		{"SCHEMA absurd count", func(d *forecast.Details) { d.ChineseCount = 2_000_000_000 }, []string{"chineseCount SCHEMA"}, nil},
		{"R-CLS-05 general with 300 foreign (natural)", func(d *forecast.Details) { d.ForeignCount = 300 }, []string{"scale R-CLS-05"}, nil},
		{"R-CLS-05 general with 299 foreign (natural)", func(d *forecast.Details) { d.ForeignCount = 299 }, nil, nil},
		{"R-CLS-05 general with 800 total (natural)", func(d *forecast.Details) { d.ChineseCount, d.ForeignCount = 760, 40 }, []string{"scale R-CLS-05"}, nil},
		{"R-CLS-05 general with 799 total (natural)", func(d *forecast.Details) { d.ChineseCount, d.ForeignCount = 759, 40 }, nil, nil},
		{"R-CLS-05 general with 400 total (social)", func(d *forecast.Details) {
			d.Type, d.ChineseCount, d.ForeignCount = classify.SocialScience, 360, 40
		}, []string{"scale R-CLS-05"}, nil},
		{"R-CLS-05 general but sensitive", func(d *forecast.Details) { d.Flags.Sensitive = true }, []string{"scale R-CLS-05"}, nil},
		{"R-CLS-05 major declared for a general one", func(d *forecast.Details) { d.Scale = classify.Major }, nil, nil},
		{"R-CLS-02 small social-science conference", func(d *forecast.Details) {
			d.Type, d.Scale, d.ForeignCount = classify.SocialScience, classify.Small, 10
		}, []string{"scale R-CLS-02"}, nil},
		{"R-CLS-05 small with 31 foreign", func(d *forecast.Details) { d.Scale, d.ForeignCount = classify.Small, 31 }, []string{"scale R-CLS-05"}, nil},
		{"R-CLS-02 small with 30 foreign", func(d *forecast.Details) { d.Scale, d.ForeignCount = classify.Small, 30 }, nil, nil},

		// R-FC-04: organisations, funding, remarks.
		{"R-FC-04 no organisations", func(d *forecast.Details) { d.Organisations = nil }, []string{"organisations R-FC-04"}, nil},
		{"R-FC-04 no host", func(d *forecast.Details) { d.Organisations = d.Organisations[1:] }, []string{"organisations R-FC-04"}, nil},
		{"R-FC-04 organisation names and role", func(d *forecast.Details) {
			d.Organisations = append(d.Organisations, forecast.Organisation{Role: "sponsor", NameZh: "示例基金会"})
		}, []string{"organisations[2].role SCHEMA", "organisations[2].nameEn R-FC-04"}, nil},
		{"R-FC-04 every hosting role", func(d *forecast.Details) {
			d.Organisations = append(d.Organisations,
				forecast.Organisation{Role: forecast.CoOrganiser, NameZh: "示例学会", NameEn: "Example Society"},
				forecast.Organisation{Role: forecast.Joint, NameZh: "示例研究所", NameEn: "Example Institute"})
		}, nil, nil},
		{"R-FC-04 funding source required", func(d *forecast.Details) { d.FundingSource = "" }, []string{"fundingSource R-FC-04"}, nil},
		{"R-FC-04 remarks up to 2000 characters", func(d *forecast.Details) { d.Remarks = strings.Repeat("备", 2000) }, nil, nil},
		{"R-FC-04 remarks over 2000 characters", func(d *forecast.Details) { d.Remarks = strings.Repeat("备", 2001) }, []string{"remarks R-FC-04"}, nil},
		{"R-FC-04 short field over 200 characters", func(d *forecast.Details) { d.Address = strings.Repeat("路", 201) }, []string{"address R-FC-04"}, nil},
	}
	p := policy.Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := validDetails()
			tt.edit(&d)
			warnings, err := forecast.Validate(p, d, 2027)
			if got := fieldErrors(t, err); !slices.Equal(got, tt.wantErrs) {
				t.Errorf("Validate errors = %q; want %q", got, tt.wantErrs)
			}
			var warns []string
			for _, w := range warnings {
				if w.Message == "" || w.Zh == "" {
					t.Errorf("warning %+v lacks a message in one language", w)
				}
				warns = append(warns, w.Path+" "+w.Rule)
			}
			if !slices.Equal(warns, tt.wantWarns) {
				t.Errorf("Validate warnings = %q; want %q", warns, tt.wantWarns)
			}
		})
	}
}

// R-DECL-15 style: every problem comes back at once, not the first only.
func TestValidateReportsAllAtOnce(t *testing.T) {
	_, err := forecast.Validate(policy.Default(), forecast.Details{}, 2027)
	got := fieldErrors(t, err)
	for _, want := range []string{"applicant.name R-FC-04", "nameZh R-FC-03", "nameEn R-FC-03", "startDate R-FC-04",
		"type R-CLS-01", "scale R-FC-04", "organisations R-FC-04", "fundingSource R-FC-04"} {
		if !slices.Contains(got, want) {
			t.Errorf("Validate(empty) errors = %q; want them to include %q", got, want)
		}
	}
}

// R-FC-04: the details travel as JSON with camelCase names.
func TestDetailsJSON(t *testing.T) {
	d := validDetails()
	d.Flags.UNBody = true
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"applicant":{"name"`, `"staffNo"`, `"nameZh"`, `"nameEn"`, `"startDate":"2027-05-10"`,
		`"commitmentDate":"2027-01-15"`, `"local":true`, `"type":"natural_science"`, `"scale":"general"`,
		`"chineseCount":120`, `"foreignCount":40`, `"flags":{"sensitive":false,"unBody":true`, `"organisations":[{"role":"host"`, `"fundingSource"`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("json.Marshal(details) = %s; want it to contain %s", b, key)
		}
	}
	var back forecast.Details
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Organisations, d.Organisations) || back.StartDate != d.StartDate || back.Flags != d.Flags {
		t.Errorf("round trip = %+v; want %+v", back, d)
	}
}
