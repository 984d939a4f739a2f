package feed

import (
	"cmp"
	"errors"
	"math/bits"
	"strconv"
	"strings"
)

// Decimal is an exact decimal number, Units × 10^-Scale: "19.99" is
// Decimal{Units: 1999, Scale: 2}. The product feed's prices are Decimals so
// that no cent is lost to binary floating point. It holds up to 18
// significant digits.
type Decimal struct {
	Units int64
	Scale int // digits after the decimal point, 0 to 18
}

const maxDecimalDigits = 18

var errNotDecimal = errors.New("not a decimal number")

// pow10 holds 10^0 to 10^18.
var pow10 = func() (p [maxDecimalDigits + 1]uint64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// ParseDecimal reads a decimal number such as "19.99", "-0.5" or "7". The
// feed's decimal separator is not documented, so a comma is accepted as
// well as a point ("19,99"); surrounding spaces are ignored. Exponents,
// thousands separators and more than 18 significant digits are refused.
func ParseDecimal(s string) (Decimal, error) {
	s = strings.TrimSpace(s)
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var units uint64
	scale, digits, significant := -1, 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
			if units != 0 || c != '0' {
				significant++
			}
			if significant > maxDecimalDigits {
				return Decimal{}, errNotDecimal
			}
			units = units*10 + uint64(c-'0')
			if scale >= 0 {
				scale++
			}
		case (c == '.' || c == ',') && scale < 0:
			scale = 0
		default:
			return Decimal{}, errNotDecimal
		}
	}
	if digits == 0 || scale > maxDecimalDigits {
		return Decimal{}, errNotDecimal
	}
	d := Decimal{Units: int64(units), Scale: max(scale, 0)}
	if neg {
		d.Units = -d.Units
	}
	return d, nil
}

// String formats d with its scale, e.g. "19.99", "-0.05" or "7".
func (d Decimal) String() string { return string(d.append(nil)) }

func (d Decimal) append(b []byte) []byte {
	if d.Scale <= 0 || d.Scale > maxDecimalDigits {
		return strconv.AppendInt(b, d.Units, 10)
	}
	u := uint64(d.Units)
	if d.Units < 0 {
		b = append(b, '-')
		u = -u
	}
	p := pow10[d.Scale]
	b = strconv.AppendUint(b, u/p, 10)
	b = append(b, '.')
	frac := strconv.AppendUint(make([]byte, 0, maxDecimalDigits+1), p+u%p, 10)
	return append(b, frac[1:]...) // p+frac keeps the leading zeros
}

// MarshalText writes d as String does, so that JSON holds "19.99".
func (d Decimal) MarshalText() ([]byte, error) {
	if d.Scale < 0 || d.Scale > maxDecimalDigits {
		return nil, errors.New("nexway: decimal scale out of range")
	}
	return d.append(nil), nil
}

// UnmarshalText reads what ParseDecimal reads.
func (d *Decimal) UnmarshalText(b []byte) error {
	v, err := ParseDecimal(string(b))
	if err != nil {
		return errors.New("nexway: " + errNotDecimal.Error())
	}
	*d = v
	return nil
}

// Cmp compares d and o by value: -1 if d < o, 0 if equal ("1.50" equals
// "1.5"), +1 if d > o. A Scale outside 0 to 18 counts as the nearest bound.
func (d Decimal) Cmp(o Decimal) int {
	ds, os := sign(d.Units), sign(o.Units)
	if ds != os {
		return cmp.Compare(ds, os)
	}
	// Same sign: compare magnitudes at a common scale, in 128 bits.
	dScale, oScale := clampScale(d.Scale), clampScale(o.Scale)
	scale := max(dScale, oScale)
	dh, dl := bits.Mul64(abs(d.Units), pow10[scale-dScale])
	oh, ol := bits.Mul64(abs(o.Units), pow10[scale-oScale])
	c := cmp.Compare(dh, oh)
	if c == 0 {
		c = cmp.Compare(dl, ol)
	}
	if ds < 0 {
		return -c
	}
	return c
}

func clampScale(s int) int { return min(max(s, 0), maxDecimalDigits) }

// Minor returns d in units of 10^-digits, e.g. cents with Minor(2): "19.9"
// gives 1990. ok is false when that would drop non-zero digits ("0.125"
// has no whole number of cents) or overflow an int64.
func (d Decimal) Minor(digits int) (v int64, ok bool) {
	if digits < 0 || digits > maxDecimalDigits || d.Scale < 0 || d.Scale > maxDecimalDigits {
		return 0, false
	}
	if digits <= d.Scale {
		p := int64(pow10[d.Scale-digits])
		if d.Units%p != 0 {
			return 0, false
		}
		return d.Units / p, true
	}
	hi, lo := bits.Mul64(abs(d.Units), pow10[digits-d.Scale])
	if hi != 0 || lo > 1<<63-1 {
		return 0, false
	}
	if d.Units < 0 {
		return -int64(lo), true
	}
	return int64(lo), true
}

func sign(v int64) int {
	switch {
	case v < 0:
		return -1
	case v > 0:
		return 1
	}
	return 0
}

func abs(v int64) uint64 {
	if v < 0 {
		return uint64(-v)
	}
	return uint64(v)
}
