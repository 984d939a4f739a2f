package feedgen

import (
	"strconv"
	"strings"
)

// column is a CSV column: its header name and what it holds.
type column struct {
	name string
	kind colKind
}

type colKind int

const (
	colUnknown colKind = iota
	colProductID
	colPublisherID
	colPublisherName
	colName
	colMisc
	colCreationDate
	colLicenseLifetime
	colKeywords
	colUsers
	colVersion
	colEAN
	colType
	colReleaseDate
	colTotalSize
	colShortDescription
	colLongDescription
	colLanguage
	colSmallImage
	colMediumImage
	colBigImage
	colScreenshots
	colCategories
	colPrice
	colPublicPrice
	colCurrency
	colRetailerPrice
	colRetailerCurrency
	colMemory
	colDiskSpace
	colOS
)

// columnsOf maps header names to the columns they hold; Columns() lists
// the documented names in the same order as the kinds above.
func columnsOf(names []string) []column {
	known := Columns()
	cols := make([]column, len(names))
	for i, n := range names {
		cols[i].name = n
		for k, d := range known {
			if n == d {
				cols[i].kind = colKind(k + 1)
			}
		}
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
	case colProductID:
		return strconv.AppendInt(b, p.Ref, 10)
	case colPublisherID:
		return strconv.AppendInt(b, p.PublisherID, 10)
	case colUsers:
		return strconv.AppendInt(b, int64(p.Users), 10)
	case colType:
		return strconv.AppendInt(b, int64(p.Type), 10)
	case colTotalSize:
		return f.csvAmount(b, p.TotalSize)
	case colPrice:
		return f.csvAmount(b, p.Price)
	case colPublicPrice:
		return f.csvAmount(b, p.PublicPrice)
	case colRetailerPrice:
		return f.csvAmount(b, p.RetailerPrice)
	case colCategories:
		return joinInts(b, p.Categories)
	case colOS:
		return joinInts(b, p.OS)
	case colScreenshots:
		f.tmp = joinStrings(f.tmp[:0], p.Screenshots)
		return appendField(b, string(f.tmp), f.cfg.Separator)
	case colPublisherName:
		s = p.PublisherName
	case colName:
		s = p.Name
	case colMisc:
		s = p.Misc
	case colCreationDate:
		s = p.CreationDate
	case colLicenseLifetime:
		s = p.LicenseLifetime
	case colKeywords:
		s = p.Keywords
	case colVersion:
		s = p.Version
	case colEAN:
		s = p.EAN
	case colReleaseDate:
		s = p.ReleaseDate
	case colShortDescription:
		s = p.ShortDescription
	case colLongDescription:
		s = p.LongDescription
	case colLanguage:
		s = p.Language
	case colSmallImage:
		s = p.SmallImage
	case colMediumImage:
		s = p.MediumImage
	case colBigImage:
		s = p.BigImage
	case colCurrency:
		s = p.Currency
	case colRetailerCurrency:
		s = p.RetailerCurrency
	case colMemory:
		s = p.Memory
	case colDiskSpace:
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
