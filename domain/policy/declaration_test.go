package policy

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/econf/econf/domain"
)

// R-POL-01: the declaration's lead times are part of the versioned policy,
// validated with it, and policies stored before they existed read back with
// the defaults that applied then.
func TestDeclarationRulesInPolicy(t *testing.T) {
	p := Default()
	p.Declaration.Major.FileMonths = 9
	var ve *domain.ValidationError
	if err := p.Validate(); !errors.As(err, &ve) || ve.Fields[0].Path != "declaration.major.fileMonths" {
		t.Errorf("file months above submit months: %v", err)
	}
	var old Policy
	if err := json.Unmarshal([]byte(`{"version":"2025.9"}`), &old); err != nil {
		t.Fatal(err)
	}
	if got := old.Upcast().Declaration; got != DefaultDeclarationRules() {
		t.Errorf("upcast declaration rules: %+v", got)
	}
	if r := DefaultDeclarationRules(); r.SubmitMonths(true) != 5 || r.SubmitMonths(false) != 4 || r.Tier(true).Filing != FilingPaper {
		t.Errorf("default tiers: %+v", r)
	}
}
