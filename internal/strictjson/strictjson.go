// Package strictjson reads a JSON text in one way only, so that two readers
// of a signed body cannot disagree on what it says. It refuses, where
// encoding/json would pick one reading silently:
//
//   - bytes that are not UTF-8, and \u escapes that are lone surrogates
//     (encoding/json turns both into U+FFFD, merging distinct texts);
//   - two members of one object whose names are equal, or equal under the
//     case folding encoding/json applies when it matches struct fields
//     ("id" and "ID", "K" and U+212A KELVIN SIGN, "s" and U+017F), at any
//     depth;
//   - a byte order mark, data after the value, nesting deeper than a bound,
//     and anything else RFC 8259 does not allow.
//
// The tree it returns holds map[string]any, []any, string, json.Number (the
// digits as written), bool and nil: the shape of encoding/json with
// UseNumber, so that code written for that shape reads it.
package strictjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth bounds how deeply arrays and objects nest.
const MaxDepth = 64

// Parse reads data as one JSON value. The error says what is wrong and at
// which byte offset, and quotes nothing from data.
func Parse(data []byte) (any, error) {
	if !utf8.Valid(data) {
		return nil, errors.New("not UTF-8")
	}
	p := parser{data: data}
	p.space()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.data) {
		return nil, p.fail("data after the value")
	}
	return v, nil
}

// Fold returns the key under which encoding/json's case-insensitive field
// matching, and Unicode simple folding, see name: two names with the same
// key are one name to some reader.
func Fold(name string) string {
	ascii := true
	for i := 0; i < len(name) && ascii; i++ {
		ascii = name[i] < utf8.RuneSelf
	}
	if ascii {
		// An ASCII capital is the least rune of its orbit ('K' < 'k' <
		// U+212A), so upper-casing is the fold.
		return strings.ToUpper(name)
	}
	var b strings.Builder
	b.Grow(len(name))
	for _, r := range name {
		// encoding/json folds with ToUpper(ToLower(r)), bytes.EqualFold
		// with the SimpleFold orbit: the smallest rune of the orbit of the
		// former covers both.
		r = unicode.ToUpper(unicode.ToLower(r))
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		b.WriteRune(least)
	}
	return b.String()
}

type parser struct {
	data []byte
	i    int
}

func (p *parser) fail(what string) error {
	return fmt.Errorf("%s at offset %d", what, p.i)
}

func (p *parser) space() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) value(depth int) (any, error) {
	if p.i >= len(p.data) {
		return nil, p.fail("unexpected end")
	}
	switch c := p.data[p.i]; {
	case c == '{':
		return p.object(depth + 1)
	case c == '[':
		return p.array(depth + 1)
	case c == '"':
		return p.str()
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	}
	return nil, p.fail("unexpected character")
}

func (p *parser) literal(word string) error {
	if !strings.HasPrefix(string(p.data[p.i:min(p.i+len(word), len(p.data))]), word) {
		return p.fail("bad literal")
	}
	p.i += len(word)
	return nil
}

func (p *parser) object(depth int) (any, error) {
	if depth > MaxDepth {
		return nil, p.fail("nesting too deep")
	}
	p.i++ // {
	m := map[string]any{}
	folded := map[string]struct{}{}
	p.space()
	if p.i < len(p.data) && p.data[p.i] == '}' {
		p.i++
		return m, nil
	}
	for {
		if p.i >= len(p.data) || p.data[p.i] != '"' {
			return nil, p.fail("expected a member name")
		}
		at := p.i
		name, err := p.str()
		if err != nil {
			return nil, err
		}
		key := Fold(name)
		if _, dup := folded[key]; dup {
			p.i = at
			return nil, p.fail("member name repeated, or equal to another but for case")
		}
		folded[key] = struct{}{}
		p.space()
		if p.i >= len(p.data) || p.data[p.i] != ':' {
			return nil, p.fail("expected ':'")
		}
		p.i++
		p.space()
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		m[name] = v
		if done, err := p.next('}'); done || err != nil {
			return m, err
		}
	}
}

// next reads what follows a member or an element: a ',' and the space
// after it, or the closing byte (done).
func (p *parser) next(closing byte) (done bool, err error) {
	p.space()
	if p.i >= len(p.data) {
		return false, p.fail("unexpected end")
	}
	switch p.data[p.i] {
	case ',':
		p.i++
		p.space()
		return false, nil
	case closing:
		p.i++
		return true, nil
	}
	return false, p.fail("expected ',' or '" + string(closing) + "'")
}

func (p *parser) array(depth int) (any, error) {
	if depth > MaxDepth {
		return nil, p.fail("nesting too deep")
	}
	p.i++ // [
	a := []any{}
	p.space()
	if p.i < len(p.data) && p.data[p.i] == ']' {
		p.i++
		return a, nil
	}
	for {
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		if done, err := p.next(']'); done || err != nil {
			return a, err
		}
	}
}

// str reads a string; the input is known to be UTF-8.
func (p *parser) str() (string, error) {
	p.i++ // "
	start := p.i
	for p.i < len(p.data) { // fast path: no escape
		c := p.data[p.i]
		if c == '"' {
			s := string(p.data[start:p.i])
			p.i++
			return s, nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return "", p.fail("control character in a string")
		}
		p.i++
	}
	b := []byte(string(p.data[start:p.i]))
	for p.i < len(p.data) {
		c := p.data[p.i]
		switch {
		case c == '"':
			p.i++
			return string(b), nil
		case c < 0x20:
			return "", p.fail("control character in a string")
		case c != '\\':
			b = append(b, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.data) {
			return "", p.fail("unexpected end")
		}
		esc := p.data[p.i+1]
		p.i += 2
		switch esc {
		case '"', '\\', '/':
			b = append(b, esc)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", p.fail("bad \\u escape")
			}
			if utf16.IsSurrogate(r) {
				lo, ok := rune(-1), false
				if r < 0xdc00 && p.i+1 < len(p.data) && p.data[p.i] == '\\' && p.data[p.i+1] == 'u' {
					p.i += 2
					lo, ok = p.hex4()
				}
				if r = utf16.DecodeRune(r, lo); !ok || r == unicode.ReplacementChar {
					return "", p.fail("lone surrogate in a \\u escape")
				}
			}
			b = utf8.AppendRune(b, r)
		default:
			return "", p.fail("bad escape")
		}
	}
	return "", p.fail("unterminated string")
}

func (p *parser) hex4() (rune, bool) {
	if p.i+4 > len(p.data) {
		return 0, false
	}
	var r rune
	for _, c := range p.data[p.i : p.i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	p.i += 4
	return r, true
}

// number reads -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?.
func (p *parser) number() (any, error) {
	start := p.i
	if p.data[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.data) && p.data[p.i] == '0':
		p.i++
	case p.digits() == 0:
		return nil, p.fail("bad number")
	}
	if p.i < len(p.data) && p.data[p.i] == '.' {
		p.i++
		if p.digits() == 0 {
			return nil, p.fail("bad number")
		}
	}
	if p.i < len(p.data) && (p.data[p.i] == 'e' || p.data[p.i] == 'E') {
		p.i++
		if p.i < len(p.data) && (p.data[p.i] == '+' || p.data[p.i] == '-') {
			p.i++
		}
		if p.digits() == 0 {
			return nil, p.fail("bad number")
		}
	}
	return json.Number(p.data[start:p.i]), nil
}

func (p *parser) digits() int {
	n := 0
	for p.i < len(p.data) && p.data[p.i] >= '0' && p.data[p.i] <= '9' {
		p.i++
		n++
	}
	return n
}

// Faithful checks that encoding/json's output says what the values
// encoded said: encoding/json writes bytes that are not UTF-8 as the
// escape \ufffd (a real U+FFFD it writes as is), and passes a Marshaler's
// output through unchecked. It fails on either, so that a key, or a text
// sent on, is never silently replaced by another.
func Faithful(encoded []byte) error {
	if !utf8.Valid(encoded) {
		return errors.New("encoded JSON is not UTF-8")
	}
	for i := 0; i+1 < len(encoded); i++ {
		if encoded[i] != '\\' {
			continue
		}
		if encoded[i+1] == 'u' && i+6 <= len(encoded) && string(encoded[i+2:i+6]) == "fffd" {
			return errors.New("text that is not UTF-8 was encoded as U+FFFD")
		}
		i++ // the escaped character, which may be a backslash
	}
	return nil
}
