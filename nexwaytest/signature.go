package nexwaytest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/nexway-go/nexway/internal/strictjson"
)

// Nexway's request signing
// (https://apidoc.nexway.store/docs/guides/fulfillment-templating): the
// signed input is a compact JSON object mapping each signed field, a
// JSONPath into the rendered body, in sorted order, to its value as a
// string (strings raw; numbers in plain decimal, 3.0 as "3" and 1.50 as
// "1.5"; booleans as true or false; null or missing as ""). The signature
// is its HMAC-SHA256 keyed with the secret's bytes, in lowercase hex.
// The fake keeps its own implementation, apart from package fulfillment's
// Signer, so that a test comparing the two catches a slip in either.

// signBody returns the signature of body over fields.
func signBody(secret string, fields []string, body []byte) (string, error) {
	in, err := signedInput(fields, body)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(in)
	return hex.EncodeToString(m.Sum(nil)), nil
}

// signedInput builds the signed input of body over fields.
func signedInput(fields []string, body []byte) ([]byte, error) {
	doc, err := strictjson.Parse(body)
	if err != nil {
		return nil, fmt.Errorf("body is not JSON that reads one way only: %w", err)
	}
	sorted := slices.Compact(slices.Sorted(slices.Values(fields)))
	pairs := make([]string, 0, 2*len(sorted))
	for _, f := range sorted {
		steps, err := parseField(f)
		if err != nil {
			return nil, err
		}
		s, err := fieldString(lookup(doc, steps))
		if err != nil {
			return nil, fmt.Errorf("signed field %q %v", f, err)
		}
		pairs = append(pairs, f, s)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	buf.WriteByte('{')
	for i, s := range pairs {
		if i > 0 {
			buf.WriteByte(",:"[i%2]) // a comma before a name, a colon before a value
		}
		_ = enc.Encode(s) // a string always encodes; its newline goes
		buf.Truncate(buf.Len() - 1)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// fieldStep is one step of a signed field: a member name, or an index when
// index ≥ 0.
type fieldStep struct {
	name  string
	index int
}

// parseField parses a signed field: $ followed by .name, ['name'] or
// [index] steps.
func parseField(f string) ([]fieldStep, error) {
	rest, ok := strings.CutPrefix(f, "$")
	if !ok {
		return nil, fmt.Errorf("signed field %q does not start with $", f)
	}
	var steps []fieldStep
	for rest != "" {
		var st fieldStep
		switch {
		case rest[0] == '.':
			end := strings.IndexAny(rest[1:], ".[") + 1
			if end == 0 {
				end = len(rest)
			}
			st, rest = fieldStep{name: rest[1:end], index: -1}, rest[end:]
			if st.name == "" {
				return nil, fmt.Errorf("signed field %q has an empty name", f)
			}
		case strings.HasPrefix(rest, "['"):
			end := strings.Index(rest, "']")
			if end < 0 {
				return nil, fmt.Errorf("signed field %q has an unclosed ['", f)
			}
			st, rest = fieldStep{name: rest[2:end], index: -1}, rest[end+2:]
		case rest[0] == '[':
			end := strings.IndexByte(rest, ']')
			n, err := strconv.Atoi(rest[1:max(end, 1)])
			if end < 0 || err != nil || n < 0 || rest[1] == '+' {
				return nil, fmt.Errorf("signed field %q has a bad index", f)
			}
			st, rest = fieldStep{index: n}, rest[end+1:]
		default:
			return nil, fmt.Errorf("signed field %q: unexpected %q", f, rest[0])
		}
		steps = append(steps, st)
	}
	return steps, nil
}

// lookup returns the value at steps in doc, nil when there is none.
func lookup(doc any, steps []fieldStep) any {
	v := doc
	for _, st := range steps {
		switch c := v.(type) {
		case map[string]any:
			if st.index >= 0 {
				return nil
			}
			v = c[st.name]
		case []any:
			if st.index < 0 || st.index >= len(c) {
				return nil
			}
			v = c[st.index]
		default:
			return nil
		}
	}
	return v
}

// fieldString is a field's value as signed. The fake signs numbers it
// wrote itself from a float64 or an int, so parsing them back loses nothing.
func fieldString(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case json.Number:
		if n, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return strconv.FormatInt(n, 10), nil
		}
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return "", errors.New("is a number out of range")
		}
		if f == 0 {
			return "0", nil // not "-0"
		}
		return strconv.FormatFloat(f, 'f', -1, 64), nil
	}
	return "", errors.New("is an object or a list, not a value")
}
