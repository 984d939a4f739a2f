package fulfillment

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/nexway-go/nexway/internal/strictjson"
)

// decodeDoc reads a whole JSON body once, strictly (see package
// strictjson), with numbers kept as their text, so that the signature sees
// the digits Nexway rendered.
func decodeDoc(body []byte) (any, error) {
	return strictjson.Parse(body)
}

// canonicalValue turns a resolved field into the string Nexway signs:
// strings raw, numbers in plain decimal, booleans as true/false, null or
// missing as "". Objects and arrays cannot be signed.
func canonicalValue(v any, found bool) (string, error) {
	if !found {
		return "", nil
	}
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case json.Number:
		return canonicalNumber(string(x)), nil
	case map[string]any:
		return "", errors.New("is an object, not a scalar")
	default:
		return "", errors.New("is an array, not a scalar")
	}
}

// maxNumberDigits bounds how far an exponent is expanded: a hostile 1e999999
// must not make the handler write a million zeros.
const maxNumberDigits = 400

// canonicalNumber writes a JSON number in plain decimal without exponent,
// leading zeros or trailing fractional zeros: 3.0 is "3", 1.50 is "1.5",
// 1e2 is "100". It works on the digits, not on a float64, so that no
// rounding creeps in. Nexway documents these examples but not how it
// writes numbers beyond float64 precision; a number whose expansion would
// exceed maxNumberDigits is kept as written.
func canonicalNumber(text string) string {
	s := text
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+"))
		if err != nil || e > maxNumberDigits || e < -maxNumberDigits {
			return text
		}
		mant, exp = s[:i], e
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	digits := intPart + frac
	point := len(intPart) + exp // position of the decimal point in digits
	trimmed := strings.TrimLeft(digits, "0")
	point -= len(digits) - len(trimmed)
	digits = strings.TrimRight(trimmed, "0")
	if digits == "" {
		return "0"
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	switch {
	case point <= 0:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -point))
		b.WriteString(digits)
	case point >= len(digits):
		b.WriteString(digits)
		b.WriteString(strings.Repeat("0", point-len(digits)))
	default:
		b.WriteString(digits[:point])
		b.WriteByte('.')
		b.WriteString(digits[point:])
	}
	return b.String()
}

// canonicalInput builds the compact JSON object {path: value} over paths,
// in their order. escapeHTML chooses whether <, > and & are written as
// \u003c, \u003e and \u0026, as Go's json.Marshal does.
func canonicalInput(doc any, paths []path, escapeHTML bool) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(escapeHTML)
	buf.WriteByte('{')
	for i, p := range paths {
		v, found := p.resolve(doc)
		s, err := canonicalValue(v, found)
		if err != nil {
			return nil, fmt.Errorf("fulfillment: signed field %q %v", p.text, err)
		}
		if i > 0 {
			buf.WriteByte(',')
		}
		writeJSONString(enc, &buf, p.text)
		buf.WriteByte(':')
		writeJSONString(enc, &buf, s)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// writeJSONString appends s as a JSON string, without the newline that
// Encoder adds.
func writeJSONString(enc *json.Encoder, buf *bytes.Buffer, s string) {
	_ = enc.Encode(s) // a string always encodes
	buf.Truncate(buf.Len() - 1)
}
