package nexwaytest

import (
	"strconv"
	"strings"
	"time"
)

// maxPeriodComponent bounds each number of a period so that date arithmetic
// can never overflow, whatever a client sends.
const maxPeriodComponent = 9999

// period is an ISO 8601 calendar duration PnYnMnWnD (no time part). Nexway's
// update-download-time call takes one (P7D, P1Y2M, P0Y6M, P6Y14M1D), and the
// catalog uses them for subscription and download-extension lengths.
type period struct {
	years, months, weeks, days int
}

// parsePeriod parses "P" followed by at least one of nY, nM, nW, nD in that
// order. Weeks may be combined with the other units (ISO 8601 does not allow
// it, but accepting it is the tolerant choice). Time parts (PT1H), signs,
// fractions and lower-case designators are refused.
func parsePeriod(s string) (period, bool) {
	var p period
	if len(s) < 3 || s[0] != 'P' {
		return p, false
	}
	rest := s[1:]
	const order = "YMWD"
	next := 0 // index in order of the next designator allowed
	for rest != "" {
		i := 0
		n := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			n = n*10 + int(rest[i]-'0')
			if n > maxPeriodComponent {
				return period{}, false
			}
			i++
		}
		if i == 0 || i == len(rest) {
			return period{}, false
		}
		k := strings.IndexByte(order[next:], rest[i])
		if k < 0 {
			return period{}, false
		}
		next += k
		switch order[next] {
		case 'Y':
			p.years = n
		case 'M':
			p.months = n
		case 'W':
			p.weeks = n
		case 'D':
			p.days = n
		}
		next++
		rest = rest[i+1:]
	}
	return p, true
}

// isZero reports whether the period adds nothing.
func (p period) isZero() bool {
	return p.years == 0 && p.months == 0 && p.weeks == 0 && p.days == 0
}

// addTo returns t moved forward by the period, with time.AddDate's
// normalisation (31 January + P1M = 3 March, or 2 March in a leap year).
func (p period) addTo(t time.Time) time.Time {
	return t.AddDate(p.years, p.months, p.weeks*7+p.days)
}

// String formats the period in the canonical form parsePeriod reads.
func (p period) String() string {
	var b strings.Builder
	b.WriteByte('P')
	add := func(n int, unit byte) {
		if n != 0 {
			b.WriteString(strconv.Itoa(n))
			b.WriteByte(unit)
		}
	}
	add(p.years, 'Y')
	add(p.months, 'M')
	add(p.weeks, 'W')
	add(p.days, 'D')
	if b.Len() == 1 {
		return "P0D"
	}
	return b.String()
}

// dateOf returns midnight UTC of t's UTC calendar date: download windows and
// expiry dates are whole days in UTC.
func dateOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// formatDate writes a date as YYYY-MM-DD, Nexway's format for download end
// and expiry dates.
func formatDate(t time.Time) string { return t.UTC().Format("2006-01-02") }

// clampDate keeps a date within four-digit years, so YYYY-MM-DD stays valid
// however many extensions pile up.
func clampDate(t time.Time) time.Time {
	if t.Year() > 9999 {
		return time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	}
	return t
}
