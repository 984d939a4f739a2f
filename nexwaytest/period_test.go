package nexwaytest

import (
	"testing"
	"time"
)

func TestParsePeriod(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want period
		ok   bool
	}{
		{"P7D", period{days: 7}, true},
		{"P1Y2M", period{years: 1, months: 2}, true},
		{"P0Y6M", period{months: 6}, true},
		{"P6Y14M1D", period{years: 6, months: 14, days: 1}, true},
		{"P5D", period{days: 5}, true},
		{"P2W", period{weeks: 2}, true},
		{"P1Y2W3D", period{years: 1, weeks: 2, days: 3}, true},
		{"P0D", period{}, true},
		{"P9999Y", period{years: 9999}, true},
		{"P0009D", period{days: 9}, true},
		{"", period{}, false},
		{"P", period{}, false},
		{"7D", period{}, false},
		{"p7d", period{}, false},
		{"P7", period{}, false},
		{"PD", period{}, false},
		{"P1D1Y", period{}, false},
		{"P1Y1Y", period{}, false},
		{"PT1H", period{}, false},
		{"P1DT1H", period{}, false},
		{"P-1D", period{}, false},
		{"P1.5Y", period{}, false},
		{"P10000Y", period{}, false},
		{"P99999999999999999999D", period{}, false},
		{"P1Y ", period{}, false},
		{"2024-05-23", period{}, false},
	} {
		got, ok := parsePeriod(tc.in)
		if ok != tc.ok || got != tc.want {
			t.Errorf("parsePeriod(%q) = %+v, %v; want %+v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestPeriodAddTo(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 2, 5, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in, want string
	}{
		{"P7D", "2026-02-12"},
		{"P1Y2M", "2027-04-05"},
		{"P6Y14M1D", "2033-04-06"},
		{"P2W", "2026-02-19"},
		{"P0D", "2026-02-05"},
	} {
		p, ok := parsePeriod(tc.in)
		if !ok {
			t.Fatalf("%s did not parse", tc.in)
		}
		if got := formatDate(p.addTo(base)); got != tc.want {
			t.Errorf("%s + %s = %s, want %s", formatDate(base), tc.in, got, tc.want)
		}
	}
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"P7D", "P1Y2M", "P0Y6M", "P6Y14M1D", "P2W", "P", "PT1H", "P1D1Y", "P9999Y9999M9999W9999D", "2011-05-23"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := parsePeriod(s)
		if !ok {
			if p != (period{}) {
				t.Fatalf("failed parse returned %+v", p)
			}
			return
		}
		for _, n := range []int{p.years, p.months, p.weeks, p.days} {
			if n < 0 || n > maxPeriodComponent {
				t.Fatalf("%q: component %d out of range", s, n)
			}
		}
		// The canonical form parses back to the same period.
		back, ok := parsePeriod(p.String())
		if !ok || back != p {
			t.Fatalf("%q -> %+v -> %q -> %+v, %v", s, p, p.String(), back, ok)
		}
		// Adding it never goes backwards and never panics.
		base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		if p.addTo(base).Before(base) {
			t.Fatalf("%q moves time backwards", s)
		}
	})
}
