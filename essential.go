package nexway

import (
	"bytes"
	"net/http"
	"reflect"
	"unicode/utf8"
)

// What is used is what was checked: a value a storefront acts on (an order
// number it shows, the product a key belongs to, a key itself) is never
// invented. A field tagged `essential` that is present but cannot be
// represented fails the answer with ErrInvalidResponse instead of being
// left zero, as the lenient path leaves other fields. Absent or null, it
// stays zero as before. Given twice in one object with two values (see
// scanner.again), it is unreadable too. The tag says what is representable:
//
//	essential:"id"    an integer >= 0 that fits the field (1e400, a 23-digit
//	                  string, 1.5, -3, "abc", true or an object are not)
//	essential:"int"   an integer that fits the field, negative included
//	essential:"text"  a string of exact text (valid UTF-8, no lone escaped
//	                  surrogate), or a number kept as its digits (not true,
//	                  an object or a list)
type need uint8

const (
	needNone need = iota
	needID
	needInt
	needText
)

var needs = map[string]need{"id": needID, "int": needInt, "text": needText}

// essentialError names the JSON field whose value could not be read; it
// never quotes the value.
type essentialError struct{ field string }

func (e *essentialError) Error() string { return "essential field " + e.field + " cannot be read" }

// readable reports whether the next value, before it is decoded, is null
// or representable in fv as n requires; it does not move the scanner.
func (s *scanner) readable(fv reflect.Value, n need) bool {
	c := s.peek()
	if c == 'n' || n == needNone {
		return true // null, as absent, stays zero
	}
	start := s.pos
	defer func() { s.pos = start }()
	var text string
	switch {
	case c == '"':
		end, _, err := s.stringEnd()
		if err != nil || (n == needText && !exactText(s.data[s.pos+1:end-1])) {
			return false
		}
		b, err := s.strBytes()
		if err != nil {
			return false
		}
		text = string(b)
	case c == '-' || (c >= '0' && c <= '9'):
		text = string(s.literal())
	default:
		return false // true, false, an object or a list
	}
	if n == needText {
		return true
	}
	i, ok := intOf(text)
	if !ok || (n == needID && i < 0) {
		return false
	}
	for fv.Kind() == reflect.Pointer {
		fv = reflect.New(fv.Type().Elem()).Elem()
	}
	switch fv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return !fv.OverflowInt(i)
	}
	return false
}

// exactText reports whether a string's inner bytes stand for text
// exactly: valid UTF-8, and no escaped surrogate outside a pair.
// encoding/json replaces either with U+FFFD, so that a license key read
// from them is not the key Nexway holds.
func exactText(raw []byte) bool {
	if !utf8.Valid(raw) {
		return false
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' || i+1 >= len(raw) {
			continue
		}
		if raw[i+1] != 'u' {
			i++ // an escape of one character
			continue
		}
		r := hex4(raw[i+2:])
		switch {
		case r < 0 || (r >= 0xDC00 && r <= 0xDFFF):
			return false
		case r >= 0xD800 && r <= 0xDBFF:
			if i+12 > len(raw) || raw[i+6] != '\\' || raw[i+7] != 'u' {
				return false
			}
			if lo := hex4(raw[i+8:]); lo < 0xDC00 || lo > 0xDFFF {
				return false
			}
			i += 11
		default:
			i += 5
		}
	}
	return true
}

// hex4 reads four hex digits, -1 when b does not start with them.
func hex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return -1
		}
	}
	return r
}

// suspectText reports whether data may hold a string encoding/json reads
// inexactly (see exactText): invalid UTF-8 or an escaped surrogate. It
// sends a type with essential text down the lenient path, which checks.
func suspectText(data []byte) bool {
	return !utf8.Valid(data) || bytes.Contains(data, []byte(`\ud`)) || bytes.Contains(data, []byte(`\uD`))
}

// hasNegative reports whether data may hold a negative number, which the
// fast path would store in an `essential:"id"` field unchecked: a '-'
// before a digit, after ':', '[' or ','. A string that looks so only costs
// the lenient path.
func hasNegative(data []byte) bool {
	for i := 1; i+1 < len(data); i++ {
		if data[i] != '-' || data[i+1] < '0' || data[i+1] > '9' {
			continue
		}
		j := i - 1
		for j > 0 && (data[j] == ' ' || data[j] == '\t' || data[j] == '\n' || data[j] == '\r') {
			j--
		}
		if c := data[j]; c == ':' || c == '[' || c == ',' {
			return true
		}
	}
	return false
}

// unreadableEssential reports an answer with an essential value it cannot
// read. A failure code in its envelope is still the answer (an error answer
// may carry anything in its other fields), though not one that can settle
// a write as done (retriedInto); otherwise it is an unreadable answer,
// ambiguous for a write.
func (c *Client) unreadableEssential(k *call, resp *http.Response, data []byte, ee *essentialError) error {
	var env Envelope
	if _, err := decodeJSON(data, &env); err == nil && env.ResponseCode != 0 && codeReadable(data) {
		e := c.apiError(k, resp, k.op.lookup(env.ResponseCode), env.ResponseCode, env.ResponseMessage, nil)
		e.partial = true
		return e
	}
	return c.unreadable(k, resp, "response has an unreadable "+ee.field)
}
