package feed

import (
	"bufio"
	"errors"
	"fmt"
	"github.com/nexway-go/nexway/internal/feedcol"
	"io"
	"strconv"
	"strings"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/internal/sniff"
)

// csvColumn is one column of a feed's header.
type csvColumn struct {
	name    string // as in the header, or "column N" when the header is empty
	kind    feedcol.Kind
	desc    int  // for description columns, the index in Descriptions
	unnamed bool // the header gives no name, or one without letters or digits
}

// csvLayout is a feed's header, resolved.
type csvLayout struct {
	cols      []csvColumn
	descLangs []string // the language of each Descriptions entry
	unknown   int      // columns that go to Extra
	decimals  int      // columns that hold a Decimal
	intLists  []int    // columns that hold a list of ids
	strLists  []int    // columns that hold a list of strings
}

// newCSVLayout resolves a header. A column named twice, or no Product ID
// column, makes the feed unusable. A column with an empty name is kept
// under "column N" (1-based) in Extra, in the rows where it has a value.
func newCSVLayout(header []string, line int) (*csvLayout, error) {
	l := &csvLayout{cols: make([]csvColumn, len(header))}
	seen := make(map[string]int, len(header))
	hasID := false
	for i, h := range header {
		c := csvColumn{name: strings.TrimSpace(h)}
		key := feedcol.Key(c.name)
		if key == "" {
			c.unnamed = true
			key = "#" + strconv.Itoa(i+1)
			if c.name == "" {
				c.name = "column " + strconv.Itoa(i+1)
			}
		}
		if kind := feedcol.Lookup(c.name); kind != feedcol.Unknown {
			c.kind = kind
			if kind == feedcol.ShortDescription || kind == feedcol.LongDescription {
				c.desc = l.descIndex("") // the feed's selected language
			}
		} else if lang, short, ok := descriptionColumn(c.name); ok {
			c.kind = feedcol.LongDescription
			if short {
				c.kind = feedcol.ShortDescription
			}
			c.desc = l.descIndex(lang)
		} else {
			l.unknown++
		}
		if j, dup := seen[key]; dup {
			return nil, &Error{Line: line, Column: c.name, kind: ErrInvalidFeed,
				Err: errors.New("the header names this column twice (columns " + strconv.Itoa(j+1) + " and " + strconv.Itoa(i+1) + ")")}
		}
		seen[key] = i
		hasID = hasID || c.kind == feedcol.ProductID
		switch c.kind {
		case feedcol.TotalSize, feedcol.Price, feedcol.PublicPrice, feedcol.RetailerPrice:
			l.decimals++
		case feedcol.Categories, feedcol.OS:
			l.intLists = append(l.intLists, i)
		case feedcol.Language, feedcol.Screenshots:
			l.strLists = append(l.strLists, i)
		}
		l.cols[i] = c
	}
	if !hasID {
		return nil, invalidFeed(line, errors.New(`the header has no "Product ID" column`))
	}
	return l, nil
}

// descIndex returns the Descriptions index of lang, adding it.
func (l *csvLayout) descIndex(lang string) int {
	for i, d := range l.descLangs {
		if d == lang {
			return i
		}
	}
	l.descLangs = append(l.descLangs, lang)
	return len(l.descLangs) - 1
}

// descriptionColumn recognises "Short description XX" and "Long
// description XX", XX a country code.
func descriptionColumn(name string) (lang string, short, ok bool) {
	i := strings.LastIndexByte(name, ' ')
	if i < 0 || len(name)-i-1 != 2 || !isLetter(name[i+1]) || !isLetter(name[i+2]) {
		return "", false, false
	}
	switch feedcol.Key(name[:i]) {
	case "shortdescription":
		return strings.ToUpper(name[i+1:]), true, true
	case "longdescription":
		return strings.ToUpper(name[i+1:]), false, true
	}
	return "", false, false
}

// decodeCSV reads the header, then yields one product per record.
func decodeCSV(br *bufio.Reader, o *Options, yield func(Product, error) bool) {
	quote := byte('"')
	switch o.Quote {
	case 0:
	case NoQuote:
		quote = 0
	default:
		quote = byte(o.Quote)
	}
	head, _ := sniff.PeekUntil(br, sniff.HasLineEnd) // a read error shows again on the first line
	sep, nl := sniffCSV(head, quote)
	if o.Separator != 0 {
		sep = byte(o.Separator)
	}
	if sep == quote {
		yield(Product{}, invalid("Options.Quote", "must differ from the separator"))
		return
	}
	s := &csvScanner{br: br, sep: sep, quote: quote, nl: nl, max: o.MaxRecordSize}
	rec, err := s.next()
	if err != nil {
		if err == io.EOF {
			err = invalidFeed(0, errors.New("the feed is empty"))
		} else if fe, ok := err.(*Error); ok && fe.kind == ErrRow {
			fe.kind = ErrInvalidFeed // a broken header spoils every row
		}
		yield(Product{}, err)
		return
	}
	header := make([]string, rec.len())
	for i := range header {
		header[i] = rec.field(i)
	}
	layout, err := newCSVLayout(header, s.start)
	if err != nil {
		yield(Product{}, err)
		return
	}
	for {
		rec, err := s.next()
		if err == io.EOF {
			return
		}
		if err != nil {
			fe, ok := err.(*Error)
			if !ok || fe.kind != ErrRow {
				yield(Product{}, err)
				return
			}
			if s.badField > 0 && s.badField <= len(layout.cols) {
				fe.Column = layout.cols[s.badField-1].name
			}
			if !yield(Product{Line: fe.Line}, fe) {
				return
			}
			continue
		}
		if rec.len() < len(layout.cols) && s.unterminated {
			// A short last row without a line end is a feed cut off:
			// taking it as a row would report the rest as withdrawn.
			yield(Product{}, invalidFeed(s.start, errCutRow))
			return
		}
		var p Product
		if ferr := layout.product(rec, s.start, &p); ferr != nil {
			if !yield(p, ferr) {
				return
			}
			continue
		}
		if !yield(p, nil) {
			return
		}
	}
}

// product fills p from a record. The first value that cannot be decoded
// gives the error; its text goes to Extra and the rest is decoded anyway.
func (l *csvLayout) product(rec csvRecord, line int, p *Product) *Error {
	p.Line = line
	var first *Error
	fail := func(c *csvColumn, v, why string) {
		if p.Extra == nil {
			p.Extra = make(map[string]string, l.unknown+1)
		}
		p.Extra[c.name] = v
		if first == nil {
			first = rowError(line, c.name, why)
		}
	}
	if len(l.descLangs) > 0 {
		p.Descriptions = make([]Description, len(l.descLangs))
		for i, lang := range l.descLangs {
			p.Descriptions[i].Language = lang
		}
	}
	// The row's Decimals, ids and strings in lists each come from one
	// allocation, sized for the most items the values can hold.
	var decimals []Decimal
	ints := make([]int, 0, listCap(rec, l.intLists))
	strs := make([]string, 0, listCap(rec, l.strLists))
	n := min(rec.len(), len(l.cols))
	for i := 0; i < n; i++ {
		c, v := &l.cols[i], rec.field(i)
		switch c.kind {
		case feedcol.ProductID:
			id, ok := parseInt(v)
			if !ok || id <= 0 {
				fail(c, v, "not a product id (a positive integer)")
			}
			p.ProductRef = nexway.ProductRef(id)
		case feedcol.PublisherID:
			p.PublisherID = v
		case feedcol.PublisherName:
			p.PublisherName = v
		case feedcol.Name:
			p.Name = v
		case feedcol.Misc:
			p.Misc = v
		case feedcol.CreationDate:
			p.CreationDate = v
		case feedcol.LicenseLifetime:
			p.LicenseLifetime = v
		case feedcol.Keywords:
			p.Keywords = v
		case feedcol.Users:
			if n, ok := parseOptionalInt(v); ok {
				p.Users = n
			} else {
				fail(c, v, "not an integer")
			}
		case feedcol.Version:
			p.Version = v
		case feedcol.EAN:
			p.EAN = v
		case feedcol.Type:
			if n, ok := parseOptionalInt(v); ok {
				p.Type = ProductType(n)
			} else {
				fail(c, v, "not an integer")
			}
		case feedcol.ReleaseDate:
			p.ReleaseDate = v
		case feedcol.TotalSize, feedcol.Price, feedcol.PublicPrice, feedcol.RetailerPrice:
			var d *Decimal
			if strings.TrimSpace(v) != "" {
				if dv, err := ParseDecimal(v); err == nil {
					if decimals == nil {
						decimals = make([]Decimal, 0, l.decimals)
					}
					decimals = append(decimals, dv) // never beyond its capacity: pointers stay valid
					d = &decimals[len(decimals)-1]
				} else {
					fail(c, v, err.Error())
				}
			}
			switch c.kind {
			case feedcol.TotalSize:
				p.TotalSize = d
			case feedcol.Price:
				p.Price = d
			case feedcol.PublicPrice:
				p.PublicPrice = d
			default:
				p.RetailerPrice = d
			}
		case feedcol.ShortDescription:
			p.Descriptions[c.desc].Short = v
		case feedcol.LongDescription:
			p.Descriptions[c.desc].Long = v
		case feedcol.Language:
			start := len(strs)
			strs = appendList(strs, v)
			p.Languages = carve(strs, start)
		case feedcol.SmallImage:
			p.SmallImage = v
		case feedcol.MediumImage:
			p.MediumImage = v
		case feedcol.BigImage:
			p.BigImage = v
		case feedcol.Screenshots:
			start := len(strs)
			strs = appendURLs(strs, v)
			p.Screenshots = carve(strs, start)
		case feedcol.Categories, feedcol.OS:
			start := len(ints)
			var ok bool
			if ints, ok = appendInts(ints, v); !ok {
				fail(c, v, "not a ':'-separated list of integers")
			}
			ids := carve(ints, start)
			if c.kind == feedcol.Categories {
				p.Categories = ids
			} else {
				p.OperatingSystems = ids
			}
		case feedcol.Currency:
			p.Currency = v
		case feedcol.RetailerCurrency:
			p.RetailerCurrency = v
		case feedcol.Memory:
			p.Memory = v
		case feedcol.DiskSpace:
			p.DiskSpace = v
		default:
			if v == "" && c.unnamed {
				continue // an unnamed column, empty as most are
			}
			if p.Extra == nil {
				p.Extra = make(map[string]string, l.unknown)
			}
			p.Extra[c.name] = v
		}
	}
	if rec.len() != len(l.cols) {
		for i := len(l.cols); i < rec.len(); i++ {
			if p.Extra == nil {
				p.Extra = make(map[string]string, rec.len()-len(l.cols))
			}
			p.Extra["column "+strconv.Itoa(i+1)] = rec.field(i)
		}
		return rowError(line, "", strconv.Itoa(rec.len())+" fields where the header has "+strconv.Itoa(len(l.cols)))
	}
	return first
}

var errCutRow = fmt.Errorf("the feed ends in the middle of a row: %w", io.ErrUnexpectedEOF)

// parseInt reads a decimal integer, ignoring surrounding spaces.
func parseInt(v string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	return n, err == nil
}

// parseOptionalInt reads an int, 0 for an empty value.
func parseOptionalInt(v string) (int, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, true
	}
	n, err := strconv.ParseInt(v, 10, 32)
	return int(n), err == nil
}

// appendDigits is appendInts for the common case, digits and colons only,
// without the cost of cutting and parsing each item; ok is false, and dst
// unchanged, for anything else.
func appendDigits(dst []int, v string) (_ []int, ok bool) {
	start := len(dst)
	n, digits := 0, 0
	for i := 0; i <= len(v); i++ {
		switch {
		case i == len(v) || v[i] == ':':
			if digits > 0 {
				dst = append(dst, n)
			}
			n, digits = 0, 0
		case v[i] >= '0' && v[i] <= '9' && digits < 9: // fits an int everywhere
			n = n*10 + int(v[i]-'0')
			digits++
		default:
			return dst[:start], false
		}
	}
	return dst, true
}

// listCap is how many items the values of cols can hold at most.
func listCap(rec csvRecord, cols []int) int {
	n := 0
	for _, i := range cols {
		if i < rec.len() {
			n += strings.Count(rec.field(i), ":") + 1
		}
	}
	return n
}

// carve returns the items appended to list since start, nil for none, with
// no room to append into the next list's items.
func carve[T any](list []T, start int) []T {
	if len(list) == start {
		return nil
	}
	return list[start:len(list):len(list)]
}

// appendList appends the items of a ':'-separated list, without the spaces
// around them, and drops empty items.
func appendList(dst []string, v string) []string {
	for {
		item, rest, more := strings.Cut(v, ":")
		if item = strings.TrimSpace(item); item != "" {
			dst = append(dst, item)
		}
		if !more {
			return dst
		}
		v = rest
	}
}

// appendURLs appends a ':'-separated list of URLs. They are documented as
// relative; an absolute one ("https://...") is kept whole.
func appendURLs(dst []string, v string) []string {
	start := len(dst)
	dst = appendList(dst, v)
	out := start
	for i := start; i < len(dst); i++ {
		if (dst[i] == "http" || dst[i] == "https") && i+1 < len(dst) && strings.HasPrefix(dst[i+1], "//") {
			dst[out] = dst[i] + ":" + dst[i+1]
			i++
		} else {
			dst[out] = dst[i]
		}
		out++
	}
	return dst[:out]
}

// appendInts appends a ':'-separated list of integers; ok is false when an
// item is not one, and the items before it are appended.
func appendInts(dst []int, v string) (_ []int, ok bool) {
	if out, ok := appendDigits(dst, v); ok {
		return out, true
	}
	for {
		item, rest, more := strings.Cut(v, ":")
		if item = strings.TrimSpace(item); item != "" {
			n, err := strconv.Atoi(item)
			if err != nil {
				return dst, false
			}
			dst = append(dst, n)
		}
		if !more {
			return dst, true
		}
		v = rest
	}
}

func isLetter(b byte) bool { return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') }
