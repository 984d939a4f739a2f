package nexway

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"time"
)

// ProductRef is a Nexway product ID, the "Product ID" column of the product
// feed. It is sent as a JSON number; it is read from a number or from a string
// of digits, because Nexway's integrations disagree on the type.
type ProductRef int64

// UnmarshalJSON accepts a JSON number, a string of digits or null.
func (r *ProductRef) UnmarshalJSON(b []byte) error {
	n, err := flexInt(b)
	*r = ProductRef(n)
	return err
}

// OrderNumber is Nexway's own number for an order. The shopper needs it to
// reach Nexway's support, so a storefront shows it with the license keys.
type OrderNumber int64

// UnmarshalJSON accepts a JSON number, a string of digits or null.
func (n *OrderNumber) UnmarshalJSON(b []byte) error {
	v, err := flexInt(b)
	*n = OrderNumber(v)
	return err
}

// SubscriptionID identifies a subscription; Nexway returns it on the line
// items of an order for a subscription product.
type SubscriptionID int64

// UnmarshalJSON accepts a JSON number, a string of digits or null.
func (id *SubscriptionID) UnmarshalJSON(b []byte) error {
	v, err := flexInt(b)
	*id = SubscriptionID(v)
	return err
}

var errNotInteger = errors.New("not an integer")

// flexNumber is an integer field of an answer whose type the sources
// disagree on: a number, a string of digits, an integral float or null.
type flexNumber int64

// UnmarshalJSON accepts what flexInt does.
func (n *flexNumber) UnmarshalJSON(b []byte) error {
	v, err := flexInt(b)
	*n = flexNumber(v)
	return err
}

// flexInt decodes an integer sent as a number, a quoted number, an integral
// float or null; documented samples and production clients disagree.
func flexInt(b []byte) (int64, error) {
	if n, ok := plainInt(b); ok {
		return n, nil
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return 0, nil
	}
	if b[0] == '"' {
		s, err := strconv.Unquote(string(b))
		if err != nil {
			return 0, errNotInteger
		}
		if s == "" {
			return 0, nil
		}
		b = []byte(s)
	}
	if n, err := strconv.ParseInt(string(b), 10, 64); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || f != float64(int64(f)) {
		return 0, errNotInteger
	}
	return int64(f), nil
}

// Envelope is what every Nexway answer carries. On a result returned without
// error ResponseCode is 0, except where a method documents otherwise; Raw is
// the JSON the result was decoded from, kept because several response shapes
// are undocumented and may hold fields this package does not know yet.
type Envelope struct {
	ResponseCode    int             `json:"responseCode"`
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

// UnmarshalJSON reads "YYYY-MM-DD". A longer timestamp that starts with a
// date keeps the date, and "" or null give the zero Date: the sources show
// only the date form, and a storefront must not lose an order's keys because
// Nexway added a time of day.
func (d *Date) UnmarshalJSON(b []byte) error {
	if len(b) == len(`"2006-01-02"`) && b[0] == '"' && b[11] == '"' {
		if v, ok := plainDate(b[1:11]); ok {
			*d = v
			return nil
		}
	}
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return errors.New("nexway: date is not a JSON string")
	}
	if s == "" {
		*d = Date{}
		return nil
	}
	if len(s) > len(time.DateOnly) {
		s = s[:len(time.DateOnly)]
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}
