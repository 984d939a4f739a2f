package nexway

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// Period is an ISO 8601 calendar period of years, months and days, the form
// Nexway takes to extend a download window ("P7D", "P1Y2M").
type Period struct {
	Years, Months, Days int
}

// maxPeriodField bounds each component so that date arithmetic on a period
// cannot overflow; no download window needs ten thousand years.
const maxPeriodField = 9999

var errPeriod = errors.New("nexway: period not in the ISO 8601 form PnYnMnD or PnW")

// ParsePeriod reads an ISO 8601 period made of years, months, weeks and days:
// "P1Y2M10D", "P7D", "P2W". Time parts ("PT1H"), fractions and signs are
// refused because Nexway counts download windows in whole days.
func ParsePeriod(s string) (Period, error) {
	rest, ok := strings.CutPrefix(s, "P")
	if !ok || rest == "" {
		return Period{}, errPeriod
	}
	var p Period
	order := "YMWD"
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i == len(rest) || i > 4 {
			return Period{}, errPeriod
		}
		n, _ := strconv.Atoi(rest[:i])
		unit := rest[i]
		pos := strings.IndexByte(order, unit)
		if pos < 0 {
			return Period{}, errPeriod
		}
		order = order[pos+1:] // each unit once, in order
		switch unit {
		case 'Y':
			p.Years = n
		case 'M':
			p.Months = n
		case 'W':
			p.Days += 7 * n
		case 'D':
			p.Days += n
		}
		rest = rest[i+1:]
	}
	if p.Days > maxPeriodField {
		return Period{}, errPeriod
	}
	return p, nil
}

// String formats p as an ISO 8601 period; the zero Period is "P0D".
func (p Period) String() string {
	if p == (Period{}) {
		return "P0D"
	}
	b := []byte{'P'}
	for _, f := range []struct {
		n    int
		unit byte
	}{{p.Years, 'Y'}, {p.Months, 'M'}, {p.Days, 'D'}} {
		if f.n != 0 {
			b = strconv.AppendInt(b, int64(f.n), 10)
			b = append(b, f.unit)
		}
	}
	return string(b)
}

// valid reports whether p moves a date forward and stays within bounds.
func (p Period) valid() bool {
	for _, n := range []int{p.Years, p.Months, p.Days} {
		if n < 0 || n > maxPeriodField {
			return false
		}
	}
	return p != Period{}
}

// addTo returns d moved forward by p, with time.AddDate's normalisation
// (2024-01-31 plus one month is 2024-03-02).
func (p Period) addTo(d Date) Date {
	return DateOf(d.In(time.UTC).AddDate(p.Years, p.Months, p.Days))
}
