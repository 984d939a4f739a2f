package fulfillment

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A path is a parsed JSONPath of the simple form Nexway's signedFields use:
// $ followed by .name, ['name'] or [index] steps. Wildcards, filters and
// slices are not supported: each signed field must resolve to one value.
type path struct {
	text  string
	steps []step
}

// step is one member name, or an array index when isIdx is set.
type step struct {
	name  string
	index int
	isIdx bool
}

// same reports whether p and q reach the same value, however spelt
// ($.a and $['a']).
func (p path) same(q path) bool { return slices.Equal(p.steps, q.steps) }

// parsePath parses text, naming it in the error.
func parsePath(text string) (path, error) {
	p := path{text: text}
	if !utf8.ValidString(text) {
		return p, fmt.Errorf("fulfillment: path %q: not UTF-8", text)
	}
	if !strings.HasPrefix(text, "$") {
		return p, fmt.Errorf("fulfillment: path %q: must start with $", text)
	}
	rest := text[1:]
	for rest != "" {
		switch rest[0] {
		case '.':
			rest = rest[1:]
			end := strings.IndexAny(rest, ".[")
			if end < 0 {
				end = len(rest)
			}
			name := rest[:end]
			if name == "" || name == "*" {
				return p, fmt.Errorf("fulfillment: path %q: empty or wildcard member name", text)
			}
			p.steps = append(p.steps, step{name: name})
			rest = rest[end:]
		case '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return p, fmt.Errorf("fulfillment: path %q: unclosed [", text)
			}
			inner := rest[1:end]
			rest = rest[end+1:]
			if len(inner) >= 2 && (inner[0] == '\'' || inner[0] == '"') && inner[len(inner)-1] == inner[0] {
				p.steps = append(p.steps, step{name: inner[1 : len(inner)-1]})
				continue
			}
			i, err := strconv.Atoi(inner)
			if err != nil || i < 0 || inner[0] == '+' {
				return p, fmt.Errorf("fulfillment: path %q: [%s] is neither an index nor a quoted name", text, inner)
			}
			p.steps = append(p.steps, step{index: i, isIdx: true})
		default:
			return p, fmt.Errorf("fulfillment: path %q: unexpected %q", text, rest[0])
		}
	}
	return p, nil
}

// resolve walks doc, a value decoded by encoding/json with UseNumber, and
// reports the value at p and whether it exists.
func (p path) resolve(doc any) (any, bool) {
	v := doc
	for _, s := range p.steps {
		switch c := v.(type) {
		case map[string]any:
			if s.isIdx {
				return nil, false
			}
			var ok bool
			if v, ok = c[s.name]; !ok {
				return nil, false
			}
		case []any:
			if !s.isIdx || s.index >= len(c) {
				return nil, false
			}
			v = c[s.index]
		default:
			return nil, false
		}
	}
	return v, true
}
