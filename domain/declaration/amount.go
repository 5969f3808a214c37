package declaration

import (
	"errors"
	"fmt"
	"strings"
)

// Budget amounts are yuan written as decimal strings ("12000", "12000.5",
// "12000.50"), not JSON numbers: a client's float64 cannot carry 0.1 yuan
// exactly, and "more than two decimals" can only be told from the text the
// applicant typed. A saved amount is normalised to two decimals; FenOf turns
// it into an exact int64 count of fen for sums.

// maxFen bounds an amount (one trillion yuan) so that sums of many lines
// cannot overflow int64; it is a shape limit, not a business rule.
const maxFen = 100_000_000_000_000

// Errors ParseAmount ends in.
var (
	ErrAmountSyntax    = errors.New("not an amount in yuan")
	ErrAmountNegative  = errors.New("negative amount")
	ErrAmountPrecision = errors.New("more than two decimals")
	ErrAmountTooLarge  = errors.New("amount too large")
)

// ParseAmount reads an amount in yuan with at most two decimals and returns
// it in fen: digits, optionally a point and one or two digits. Signs other
// than a leading minus (reported as ErrAmountNegative), exponents, grouping
// commas and spaces are refused.
func ParseAmount(s string) (int64, error) {
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		if _, err := ParseAmount(rest); errors.Is(err, ErrAmountSyntax) || errors.Is(err, ErrAmountNegative) {
			return 0, ErrAmountSyntax
		}
		return 0, ErrAmountNegative
	}
	whole, frac, point := strings.Cut(s, ".")
	if whole == "" || point && frac == "" || !digits(whole) || !digits(frac) {
		return 0, ErrAmountSyntax
	}
	if len(frac) > 2 {
		return 0, ErrAmountPrecision
	}
	var fen int64
	for i := 0; i < len(whole); i++ {
		fen = fen*10 + int64(whole[i]-'0')
		if fen > maxFen {
			return 0, ErrAmountTooLarge
		}
	}
	fen *= 100
	for i, scale := 0, int64(10); i < len(frac); i, scale = i+1, scale/10 {
		fen += int64(frac[i]-'0') * scale
	}
	if fen > maxFen {
		return 0, ErrAmountTooLarge
	}
	return fen, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// FormatFen writes fen as yuan with two decimals: 1234567 is "12345.67".
func FormatFen(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}

// FenOf is a saved amount in fen; 0 for a blank (draft) amount.
func FenOf(amount string) int64 {
	fen, _ := ParseAmount(amount)
	return fen
}
