package feedgen

import (
	"github.com/nexway-go/nexway/internal/feedcol"

	"strconv"
	"strings"
)

// column is a CSV column: its header name and what it holds.
type column struct {
	name string
	kind feedcol.Kind
}

// columnsOf maps header names to the columns they hold: a documented
// header, spelt as Nexway does, or an unknown column.
func columnsOf(names []string) []column {
	cols := make([]column, len(names))
	for i, n := range names {
		cols[i] = column{name: n, kind: feedcol.Exact(n)}
	}
	return cols
}

// csvRow appends p as one CSV record in the configured column order.
func (f *Feed) csvRow(p *Product) {
	for i := range f.cols {
		if i > 0 {
			f.buf = append(f.buf, f.cfg.Separator)
		}
		f.buf = f.csvValue(f.buf, &f.cols[i], p)
	}
	f.eol()
}

// csvValue appends the value of column c, quoted when needed.
func (f *Feed) csvValue(b []byte, c *column, p *Product) []byte {
	var s string
	switch c.kind {
	case feedcol.ProductID:
		return strconv.AppendInt(b, p.Ref, 10)
	case feedcol.PublisherID:
		return strconv.AppendInt(b, p.PublisherID, 10)
	case feedcol.Users:
		return strconv.AppendInt(b, int64(p.Users), 10)
	case feedcol.Type:
		return strconv.AppendInt(b, int64(p.Type), 10)
	case feedcol.TotalSize:
		return f.csvAmount(b, p.TotalSize)
	case feedcol.Price:
		return f.csvAmount(b, p.Price)
	case feedcol.PublicPrice:
		return f.csvAmount(b, p.PublicPrice)
	case feedcol.RetailerPrice:
		return f.csvAmount(b, p.RetailerPrice)
	case feedcol.Categories:
		return joinInts(b, p.Categories)
	case feedcol.OS:
		return joinInts(b, p.OS)
	case feedcol.Screenshots:
		f.tmp = joinStrings(f.tmp[:0], p.Screenshots)
		return appendField(b, string(f.tmp), f.cfg.Separator)
	case feedcol.PublisherName:
		s = p.PublisherName
	case feedcol.Name:
		s = p.Name
	case feedcol.Misc:
		s = p.Misc
	case feedcol.CreationDate:
		s = p.CreationDate
	case feedcol.LicenseLifetime:
		s = p.LicenseLifetime
	case feedcol.Keywords:
		s = p.Keywords
	case feedcol.Version:
		s = p.Version
	case feedcol.EAN:
		s = p.EAN
	case feedcol.ReleaseDate:
		s = p.ReleaseDate
	case feedcol.ShortDescription:
		s = p.ShortDescription
	case feedcol.LongDescription:
		s = p.LongDescription
	case feedcol.Language:
		s = p.Language
	case feedcol.SmallImage:
		s = p.SmallImage
	case feedcol.MediumImage:
		s = p.MediumImage
	case feedcol.BigImage:
		s = p.BigImage
	case feedcol.Currency:
		s = p.Currency
	case feedcol.RetailerCurrency:
		s = p.RetailerCurrency
	case feedcol.Memory:
		s = p.Memory
	case feedcol.DiskSpace:
		s = p.DiskSpace
	default:
		f.tmp = appendUnknown(f.tmp[:0], c.name, p.Ref)
		return appendField(b, string(f.tmp), f.cfg.Separator)
	}
	return appendField(b, s, f.cfg.Separator)
}

// UnknownValue is the value a generated CSV feed gives the column named c,
// a column that is not documented, for the product ref.
func UnknownValue(c string, ref int64) string { return string(appendUnknown(nil, c, ref)) }

func appendUnknown(b []byte, c string, ref int64) []byte {
	b = append(b, c...)
	b = append(b, " of "...)
	return strconv.AppendInt(b, ref, 10)
}

// csvField appends s, in quotes with inner quotes doubled when it holds the
// separator, a quote or a line break.
func (f *Feed) csvField(b []byte, s string) []byte { return appendField(b, s, f.cfg.Separator) }

func appendField(b []byte, s string, sep byte) []byte {
	if !needsQuotes(s, sep) {
		return append(b, s...)
	}
	b = append(b, '"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		b = append(b, s[:i+1]...)
		b = append(b, '"')
		s = s[i+1:]
	}
	b = append(b, s...)
	return append(b, '"')
}

func needsQuotes(s string, sep byte) bool {
	if len(s) > 64 {
		return strings.IndexByte(s, sep) >= 0 || strings.IndexByte(s, '"') >= 0 ||
			strings.IndexByte(s, '\n') >= 0 || strings.IndexByte(s, '\r') >= 0
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == sep || c == '"' || c == '\n' || c == '\r' {
			return true
		}
	}
	return false
}

// csvAmount appends hundredths as a decimal with two digits, quoted when
// a decimal comma meets a comma separator.
func (f *Feed) csvAmount(b []byte, v int64) []byte {
	if !f.cfg.DecimalComma {
		return appendAmount(b, v, '.')
	}
	f.tmp = appendAmount(f.tmp[:0], v, ',')
	return appendField(b, string(f.tmp), f.cfg.Separator)
}

// appendAmount appends hundredths as a decimal with two digits after point.
func appendAmount(b []byte, v int64, point byte) []byte {
	u := uint64(v)
	if v < 0 {
		b = append(b, '-')
		u = -u
	}
	b = strconv.AppendUint(b, u/100, 10)
	return append(b, point, byte('0'+u%100/10), byte('0'+u%10))
}

func joinInts(b []byte, v []int) []byte {
	for i, n := range v {
		if i > 0 {
			b = append(b, ':')
		}
		b = strconv.AppendInt(b, int64(n), 10)
	}
	return b
}

func joinStrings(b []byte, v []string) []byte {
	for i, s := range v {
		if i > 0 {
			b = append(b, ':')
		}
		b = append(b, s...)
	}
	return b
}
