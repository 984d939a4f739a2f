package fulfillment

import (
	"encoding/json"
	"math/big"
	"regexp"
	"strings"
	"testing"
)

var plainDecimal = regexp.MustCompile(`^(0|-?[1-9][0-9]*|-?(0|[1-9][0-9]*)\.[0-9]*[1-9])$`)

func TestCanonicalNumber(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"3": "3", "3.0": "3", "1.50": "1.5", "-0": "0", "-0.000": "0", "0.0015": "0.0015", "15e-4": "0.0015",
		"1e2": "100", "1E+2": "100", "-12.340e1": "-123.4", "0e10": "0", "100": "100", "10.01": "10.01",
		"12345678901234567890": "12345678901234567890", "1e400": "1" + strings.Repeat("0", 400), "1e401": "1e401",
	} {
		if got := canonicalNumber(in); got != want {
			t.Errorf("canonicalNumber(%s) = %s, want %s", in, got, want)
		}
	}
}

// Any JSON number comes out in plain decimal with exactly its value, or
// as written when too long to expand.
func FuzzCanonicalNumber(f *testing.F) {
	for _, s := range []string{"0", "-0.0", "1.50", "3.0", "1e2", "15e-4", "1e401", "-9.99e-400", "123456789.123456789e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var n json.Number
		if json.Unmarshal([]byte(s), &n) != nil || strings.ContainsAny(s, " \t\r\n\"") {
			return
		}
		got := canonicalNumber(s)
		if got == s && !plainDecimal.MatchString(got) {
			return // kept as written: the exponent was out of range
		}
		if !plainDecimal.MatchString(got) {
			t.Fatalf("canonicalNumber(%s) = %s, not plain decimal", s, got)
		}
		want, _ := new(big.Rat).SetString(s)
		have, ok := new(big.Rat).SetString(got)
		if !ok || have.Cmp(want) != 0 {
			t.Fatalf("canonicalNumber(%s) = %s, a different value", s, got)
		}
	})
}
