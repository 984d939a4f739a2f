package nexway

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// scanner walks a JSON document, known valid, once from start to end: the
// lenient path reads each byte a bounded number of times, whatever the
// document's shape.
type scanner struct {
	data     []byte
	pos      int
	depth    int // objects and arrays entered
	pointers int // pointers followed to the current value
}

var errLenientSyntax = errors.New("answer is not valid JSON")

func (s *scanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\r', '\n':
			s.pos++
		default:
			return
		}
	}
}

// peek returns the next byte that is not space, 0 at the end.
func (s *scanner) peek() byte {
	s.skipSpace()
	if s.pos >= len(s.data) {
		return 0
	}
	return s.data[s.pos]
}

// consume skips the next byte if it is c.
func (s *scanner) consume(c byte) bool {
	if s.peek() == c {
		s.pos++
		return true
	}
	return false
}

// stringEnd returns the index after the string starting at s.pos, and
// whether it holds escapes.
func (s *scanner) stringEnd() (end int, escaped bool, err error) {
	for i := s.pos + 1; i < len(s.data); i++ {
		switch s.data[i] {
		case '\\':
			escaped = true
			i++
		case '"':
			return i + 1, escaped, nil
		}
	}
	return 0, false, errLenientSyntax
}

// strBytes reads a string, unescaped as encoding/json does (invalid
// UTF-8 becomes U+FFFD); the bytes may alias the document.
func (s *scanner) strBytes() ([]byte, error) {
	end, escaped, err := s.stringEnd()
	if err != nil {
		return nil, err
	}
	raw := s.data[s.pos:end]
	s.pos = end
	inner := raw[1 : len(raw)-1]
	if !escaped && utf8.Valid(inner) {
		return inner, nil
	}
	var out string
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, errLenientSyntax
	}
	return []byte(out), nil
}

// skip passes over the next value and returns it.
func (s *scanner) skip() ([]byte, error) {
	s.skipSpace()
	start := s.pos
	if start >= len(s.data) {
		return nil, errLenientSyntax
	}
	switch s.data[start] {
	case '"':
		end, _, err := s.stringEnd()
		if err != nil {
			return nil, err
		}
		s.pos = end
	case '{', '[':
		level := 0
		for s.pos < len(s.data) {
			switch s.data[s.pos] {
			case '"':
				end, _, err := s.stringEnd()
				if err != nil {
					return nil, err
				}
				s.pos = end
				continue
			case '{', '[':
				level++
			case '}', ']':
				level--
			}
			s.pos++
			if level == 0 {
				return s.data[start:s.pos], nil
			}
		}
		return nil, errLenientSyntax
	default:
		for s.pos < len(s.data) {
			switch s.data[s.pos] {
			case ',', '}', ']', ' ', '\t', '\r', '\n':
				return s.data[start:s.pos], nil
			}
			s.pos++
		}
	}
	return s.data[start:s.pos], nil
}

// literal reads a number, true, false or null.
func (s *scanner) literal() []byte {
	start := s.pos
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return s.data[start:s.pos]
		}
		s.pos++
	}
	return s.data[start:s.pos]
}

// elements calls f for each element of the array at s.pos.
func (s *scanner) elements(f func(i int) error) error {
	if !s.consume('[') {
		return errLenientSyntax
	}
	if s.consume(']') {
		return nil
	}
	for i := 0; ; i++ {
		if err := f(i); err != nil {
			return err
		}
		if s.consume(']') {
			return nil
		}
		if !s.consume(',') {
			return errLenientSyntax
		}
	}
}

// members calls f for each member of the object at s.pos, with its key,
// which may alias the document; f reads the value.
func (s *scanner) members(f func(key []byte) error) error {
	if !s.consume('{') {
		return errLenientSyntax
	}
	if s.consume('}') {
		return nil
	}
	for {
		if s.peek() != '"' {
			return errLenientSyntax
		}
		key, err := s.strBytes()
		if err != nil {
			return err
		}
		if !s.consume(':') {
			return errLenientSyntax
		}
		if err := f(key); err != nil {
			return err
		}
		if s.consume('}') {
			return nil
		}
		if !s.consume(',') {
			return errLenientSyntax
		}
	}
}

// maxLinearKeys is the size of an object up to which keysNeedLenient
// compares keys pairwise; a larger one uses a set, so that the scan stays
// linear in the document.
const maxLinearKeys = 16

// keysNeedLenient reports whether data, valid JSON, names a member in a
// way only the lenient path reads as it must: under an alternative name
// (alts, folded), or twice in one object, in any case or escaped spelling,
// which encoding/json settles silently by keeping the last (the lenient
// path refuses an essential value given twice with two values).
func keysNeedLenient(data []byte, alts map[string]bool) bool {
	s := &scanner{data: data}
	var (
		keyArr   [64][]byte
		startArr [32]int
		keys     = keyArr[:0]            // keys of the open objects, innermost last
		starts   = startArr[:0]          // per open object or array: its first key in keys
		sets     map[int]map[string]bool // per large open object (by depth)
		fold     [64]byte
	)
	for {
		switch c := s.peek(); c {
		case 0:
			return false
		case '{', '[':
			starts = append(starts, len(keys))
			s.pos++
		case '}', ']':
			if len(starts) == 0 {
				return false
			}
			keys = keys[:starts[len(starts)-1]]
			delete(sets, len(starts))
			starts = starts[:len(starts)-1]
			s.pos++
		case ',', ':':
			s.pos++
		case '"':
			str, err := s.strBytes()
			if err != nil {
				return false
			}
			if s.peek() != ':' || len(starts) == 0 {
				continue // a value
			}
			folded := appendFolded(fold[:0], str)
			if alts[string(folded)] {
				return true
			}
			own := keys[starts[len(starts)-1]:]
			if set := sets[len(starts)]; set != nil {
				if set[string(folded)] {
					return true
				}
				set[string(folded)] = true
				continue
			}
			for _, k := range own {
				if bytes.EqualFold(k, str) {
					return true
				}
			}
			keys = append(keys, str)
			if len(own) >= maxLinearKeys {
				set := make(map[string]bool, 2*maxLinearKeys)
				for _, k := range keys[starts[len(starts)-1]:] {
					set[foldName(string(k))] = true
				}
				if sets == nil {
					sets = map[int]map[string]bool{}
				}
				sets[len(starts)] = set
				keys = keys[:starts[len(starts)-1]]
			}
		default:
			s.literal()
		}
	}
}
