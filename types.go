package nexway

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// ProductRef is a Nexway product ID, the "Product ID" column of the product
// feed. It is sent as a JSON number. In answers the result types also read
// it from a string of digits or an integral float, because Nexway's
// integrations disagree on the type; on its own it decodes from a number
// only.
type ProductRef int64

// OrderNumber is Nexway's own number for an order. The shopper needs it to
// reach Nexway's support, so a storefront shows it with the license keys.
// Answers may carry it as a number or a string of digits.
type OrderNumber int64

// SubscriptionID identifies a subscription; Nexway returns it on the line
// items of an order for a subscription product, as a number or a string of
// digits.
type SubscriptionID int64

// Envelope is what every Nexway answer carries. On a result returned without
// error ResponseCode is 0, except where a method documents otherwise.
//
// Every result is decoded leniently, because half of Nexway's answers are
// documented only from its legacy API or not at all: a number sent as a
// string of digits (or an integral float), a string sent as a number, a
// single object where a list was expected, null for an empty list, and
// fields the package does not know are all read; a value that cannot be
// understood leaves its field zero and the answer is still returned. A
// call fails with ErrInvalidResponse only when the answer is not a JSON
// object, when responseCode is present but not a number, when it lacks
// what the call asked for (an order without its numbers, a stock answer
// without a product), or when a value tagged essential (an order number,
// a product ref, a key) is present but cannot be represented: such a value
// is never invented (essential.go). A leading UTF-8 byte order mark is
// skipped. ResponseCode is read from a number or a string of
// digits, ResponseMessage from a string or a number.
//
// Raw is the JSON the result was decoded from, kept because several
// response shapes are undocumented and may hold fields this package does
// not know yet. It keeps the whole answer alive as long as the result is
// held, about twice the memory of the decoded result alone; WithoutRaw
// leaves it nil.
type Envelope struct {
	ResponseCode    int             `json:"responseCode" essential:"int"`
	ResponseMessage string          `json:"responseMessage"`
	Raw             json.RawMessage `json:"-"`
}

func (e *Envelope) envelope() *Envelope { return e }

// Date is a calendar date without a time zone, the form Nexway uses for
// download windows and subscription expiry ("2024-05-22").
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate reads a date in the form YYYY-MM-DD. It fails on anything else,
// including dates that do not exist (2024-02-30).
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, errors.New("nexway: date not in the form YYYY-MM-DD")
	}
	return DateOf(t), nil
}

// String formats d as YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.In(time.UTC).Format(time.DateOnly)
}

// IsZero reports whether d is the zero Date, which stands for "not given".
func (d Date) IsZero() bool { return d == Date{} }

// plainDate parses YYYY-MM-DD without allocating; ok is false for
// anything else, including dates that do not exist.
func plainDate(b []byte) (Date, bool) {
	if b[4] != '-' || b[7] != '-' {
		return Date{}, false
	}
	y, ok1 := plainInt(b[0:4])
	m, ok2 := plainInt(b[5:7])
	dd, ok3 := plainInt(b[8:10])
	if !ok1 || !ok2 || !ok3 || y < 0 || m < 1 || m > 12 || dd < 1 {
		return Date{}, false
	}
	d := Date{int(y), time.Month(m), int(dd)}
	if DateOf(d.In(time.UTC)) != d { // 2024-02-30 rolls over
		return Date{}, false
	}
	return d, true
}

// In returns midnight at the start of d in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// Before reports whether d comes before o.
func (d Date) Before(o Date) bool { return d.In(time.UTC).Before(o.In(time.UTC)) }

// plainInt parses the common case, a bare decimal of at most 18 digits,
// without allocating.
func plainInt(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// MarshalJSON writes d as "YYYY-MM-DD", or "" for the zero Date.
func (d Date) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, d.String()), nil
}

// UnmarshalJSON reads a date in any form Nexway may send, and never
// fails, so that an odd date costs the date, not the answer: "YYYY-MM-DD"
// (the documented form); a timestamp that starts with one, such as RFC 3339
// or "2024-05-22 10:00:00" (the date as written, whatever the offset);
// seconds or milliseconds since 1970, as a number or a string of digits
// (the date in UTC). Anything else, "" and null give the zero Date.
func (d *Date) UnmarshalJSON(b []byte) error {
	if len(b) == len(`"2006-01-02"`) && b[0] == '"' && b[11] == '"' {
		if v, ok := plainDate(b[1:11]); ok {
			*d = v
			return nil
		}
	}
	*d = dateOfJSON(b)
	return nil
}

// dateOfJSON reads the forms Date.UnmarshalJSON accepts beyond the plain one.
func dateOfJSON(b []byte) Date {
	s := string(bytes.TrimSpace(b))
	if u, err := strconv.Unquote(s); err == nil {
		s = strings.TrimSpace(u)
	} else if s == "" || s[0] == '"' || s == "null" {
		return Date{}
	}
	if len(s) >= 10 && s[4] == '-' && s[7] == '-' {
		if v, ok := plainDate([]byte(s[:10])); ok {
			return v
		}
		return Date{}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || f <= 0 {
		return Date{}
	}
	if f >= 1e11 { // milliseconds: 1e11 seconds is the year 5138
		f /= 1000
	}
	if f >= 253402300800 { // past 9999-12-31
		return Date{}
	}
	return DateOf(time.Unix(int64(f), 0).UTC())
}
