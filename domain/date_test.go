package domain_test

import (
	"encoding/json"
	"testing"

	"github.com/econf/econf/domain"
)

// TestUnsetDateStaysUnset: arithmetic on a draft's unset date is no date,
// never a year -1 ("opensOn":"-001-12-01" once came from zero.AddDays(1)).
func TestUnsetDateStaysUnset(t *testing.T) {
	var zero domain.Date
	for name, got := range map[string]domain.Date{
		"AddDays(1)": zero.AddDays(1), "AddDays(-30)": zero.AddDays(-30),
		"AddMonths(6)": zero.AddMonths(6), "AddMonths(-2)": zero.AddMonths(-2),
	} {
		if !got.IsZero() {
			t.Errorf("zero.%s = %v; want the unset date", name, got)
		}
	}
	var v struct {
		D domain.Date `json:"d,omitzero"`
	}
	v.D = zero.AddDays(1)
	if b, _ := json.Marshal(v); string(b) != "{}" {
		t.Errorf("an unset date computed from an unset one is written %s; want it left out", b)
	}
	d := domain.Date{Year: 2027, Month: 1, Day: 31}
	if got := d.AddDays(1).String(); got != "2027-02-01" {
		t.Errorf("2027-01-31 + 1 day = %s", got)
	}
	if got := d.AddMonths(1).String(); got != "2027-02-28" {
		t.Errorf("2027-01-31 + 1 month = %s", got)
	}
}
