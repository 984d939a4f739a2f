// Package feedgen writes synthetic Nexway product feeds, in CSV or in XML,
// for tests and benchmarks. A feed is produced row by row as it is read, so a
// feed of millions of products costs a few kilobytes of memory; the same
// Config always gives the same bytes.
//
// The column headers come from the table the decoder reads them with
// (internal/feedcol); the package imports neither the client nor package
// feed, and the XML elements are its own.
package feedgen

import (
	"io"

	"github.com/nexway-go/nexway/internal/feedcol"
)

// Columns returns every documented column, in the documentation's order.
func Columns() []string { return feedcol.Headers() }

// Format is the file format of a generated feed.
type Format int

// Formats.
const (
	CSV Format = iota
	XML
)

// Config describes a feed. The zero value is an empty CSV feed with every
// documented column, comma-separated, with LF line endings.
type Config struct {
	Format Format
	// Count is the number of products.
	Count int
	// Seed picks the synthetic products; the same seed gives the same feed.
	Seed uint64
	// Columns are the CSV header names in order; nil means Columns(). A
	// name that is not a documented column gets a synthetic value, so that
	// feeds with columns a decoder does not know can be made.
	Columns []string
	// Separator separates CSV fields; 0 means ','.
	Separator byte
	// CRLF ends CSV lines with "\r\n" instead of "\n".
	CRLF bool
	// DecimalComma writes prices and sizes with a decimal comma.
	DecimalComma bool
	// Product fills product i (0 ≤ i < Count) into p, whose slices may be
	// reused. Nil means Synthetic with Seed.
	Product func(i int, p *Product)
}

// Product is one product of a feed, in the feed's terms. Amounts are in
// hundredths (cents for prices), so that no amount goes through a float.
type Product struct {
	Ref              int64
	PublisherID      int64
	PublisherName    string
	Name             string
	Misc             string
	CreationDate     string
	LicenseLifetime  string
	Keywords         string
	Users            int
	Version          string
	EAN              string
	Type             int // 1 for sale, 3 freeware, 4 shareware
	ReleaseDate      string
	TotalSize        int64 // hundredths of a megabyte
	ShortDescription string
	LongDescription  string
	Language         string
	SmallImage       string
	MediumImage      string
	BigImage         string
	Screenshots      []string
	Categories       []int
	Price            int64 // hundredths
	PublicPrice      int64
	Currency         string
	RetailerPrice    int64
	RetailerCurrency string
	Memory           string
	DiskSpace        string
	OS               []int
	DRM              string
	DigitalLocker    bool
}

// Feed is a generated feed: read it as an io.Reader, or write it with
// WriteTo. It is not safe for concurrent use.
type Feed struct {
	cfg     Config
	cols    []column
	p       Product
	next    int // index of the next product to write
	buf     []byte
	tmp     []byte // scratch for values built before being quoted
	off     int    // read position in buf
	started bool
	done    bool
}

// New returns the feed cfg describes. It panics on a negative Count or an
// unknown Format, which are programming errors in a test.
func New(cfg Config) *Feed {
	if cfg.Count < 0 || (cfg.Format != CSV && cfg.Format != XML) {
		panic("feedgen: invalid Config")
	}
	if cfg.Separator == 0 {
		cfg.Separator = ','
	}
	if cfg.Product == nil {
		seed := cfg.Seed
		cfg.Product = func(i int, p *Product) { Synthetic(seed, i, p) }
	}
	names := cfg.Columns
	if names == nil {
		names = Columns()
	}
	f := &Feed{cfg: cfg, cols: columnsOf(names), buf: make([]byte, 0, 8<<10)}
	return f
}

// Read fills p with the next bytes of the feed.
func (f *Feed) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if f.off == len(f.buf) && !f.fill(1) {
			break
		}
		c := copy(p[n:], f.buf[f.off:])
		f.off += c
		n += c
	}
	if n == 0 && len(p) > 0 {
		return 0, io.EOF
	}
	return n, nil
}

// WriteTo writes the rest of the feed to w.
func (f *Feed) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		if f.off == len(f.buf) && !f.fill(64) {
			return total, nil
		}
		n, err := w.Write(f.buf[f.off:])
		total += int64(n)
		f.off += n
		if err != nil {
			return total, err
		}
		if f.off != len(f.buf) {
			return total, io.ErrShortWrite
		}
	}
}

// fill replaces the consumed buffer with up to rows more products, and
// the header or trailer when due. It reports false at the end.
func (f *Feed) fill(rows int) bool {
	if f.done {
		return false
	}
	f.buf, f.off = f.buf[:0], 0
	if !f.started {
		f.started = true
		f.header()
	}
	for ; rows > 0 && f.next < f.cfg.Count; rows-- {
		f.p.Screenshots, f.p.Categories, f.p.OS = f.p.Screenshots[:0], f.p.Categories[:0], f.p.OS[:0]
		f.cfg.Product(f.next, &f.p)
		f.next++
		if f.cfg.Format == CSV {
			f.csvRow(&f.p)
		} else {
			f.xmlProduct(&f.p)
		}
	}
	if f.next == f.cfg.Count {
		if f.cfg.Format == XML {
			f.buf = append(f.buf, "</products>\n"...)
		}
		f.done = true
	}
	return len(f.buf) > 0
}

func (f *Feed) header() {
	if f.cfg.Format == XML {
		f.buf = append(f.buf, `<?xml version="1.0" encoding="UTF-8"?>`+"\n<products>\n"...)
		return
	}
	for i, c := range f.cols {
		if i > 0 {
			f.buf = append(f.buf, f.cfg.Separator)
		}
		f.buf = f.csvField(f.buf, c.name)
	}
	f.eol()
}

func (f *Feed) eol() {
	if f.cfg.CRLF {
		f.buf = append(f.buf, '\r')
	}
	f.buf = append(f.buf, '\n')
}
