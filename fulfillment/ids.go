package fulfillment

import (
	"errors"
	"unicode"
	"unicode/utf8"
)

// MaxIDLength bounds, in bytes of UTF-8, an id that keys a unit (a
// fulfillment id, or the order id of a renewal or an upgrade). Nexway's ids
// are UUIDs and order numbers, well under it; the bound keeps every id
// within what any store indexes.
const MaxIDLength = 256

// checkID reports why id cannot key a unit; field names it in the error,
// which quotes nothing of id. An id is taken as it is, byte for byte: it is
// refused rather than trimmed, folded or normalised, so that two different
// ids can never become one unit. Refused: an empty id, one over
// MaxIDLength, one that starts or ends with white space, and one holding a
// control character (C0, DEL, C1), a format character (Unicode category Cf:
// zero-width spaces and joiners, U+FEFF, bidirectional controls, soft
// hyphen), a line or paragraph separator, a private-use character or
// U+FFFD (the mark of text lost in a conversion).
func checkID(field, id string) error {
	switch {
	case id == "":
		return errors.New(field + " is empty")
	case len(id) > MaxIDLength:
		return errors.New(field + " is longer than the bound on ids")
	case !utf8.ValidString(id):
		return errors.New(field + " is not UTF-8")
	}
	first, _ := utf8.DecodeRuneInString(id)
	last, _ := utf8.DecodeLastRuneInString(id)
	if unicode.IsSpace(first) || unicode.IsSpace(last) || unicode.Is(unicode.Zs, first) || unicode.Is(unicode.Zs, last) {
		return errors.New(field + " starts or ends with white space")
	}
	for _, r := range id {
		if r == utf8.RuneError || unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Zl, unicode.Zp) {
			return errors.New(field + " holds a control, format or replacement character")
		}
	}
	return nil
}
