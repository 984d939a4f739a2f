package feed

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/internal/feedcol"
	"github.com/nexway-go/nexway/internal/feedgen"
)

func generated(cfg feedgen.Config) []byte {
	b, _ := io.ReadAll(feedgen.New(cfg))
	return b
}

// FuzzCSVScanner checks the scanner against encoding/csv: on every input
// encoding/csv reads without error, the scanner gives the same records
// (encoding/csv turns "\r\n" inside quoted fields into "\n"; the scanner
// keeps the bytes). A tiny read buffer exercises lines longer than it.
func FuzzCSVScanner(f *testing.F) {
	f.Add([]byte("a,b\n\"c\"\"d\",\"e\nf\"\r\n\n,\r\ng"))
	f.Add([]byte("a\r\r\n\"x\r\ny\"\r"))
	f.Add(generated(feedgen.Config{Count: 3, Seed: 1, CRLF: true}))
	f.Fuzz(func(t *testing.T, data []byte) {
		want, csvErr := readAllCSV(data)
		s := &csvScanner{br: bufio.NewReaderSize(bytes.NewReader(data), 16), sep: ',', quote: '"', nl: '\n', max: 1 << 20}
		var got [][]string
		for {
			r, err := s.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				if csvErr == nil {
					t.Fatalf("scanner: %v; encoding/csv read %q", err, want)
				}
				if !errors.Is(err, ErrRow) {
					return
				}
				continue
			}
			rec := make([]string, r.len())
			for i := range rec {
				rec[i] = strings.ReplaceAll(r.field(i), "\r\n", "\n")
			}
			got = append(got, rec)
		}
		if csvErr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("input %q:\nscanner      %q\nencoding/csv %q", data, got, want)
		}
	})
}

func readAllCSV(data []byte) ([][]string, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	var out [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
}

// fuzzFeed checks what any input must give: no panic, errors that name
// the feed, no value after an error that ends decoding, and a positive
// ref on every product that comes without error.
func fuzzFeed(t *testing.T, data []byte, opts *Options) {
	line, ended := 0, false
	for p, err := range Decode(bytes.NewReader(data), opts) {
		if ended {
			t.Fatalf("a value after an error that ends decoding: %+v, %v", p, err)
		}
		_ = p.Hash()
		if err != nil {
			if !strings.HasPrefix(err.Error(), "feed: ") {
				t.Fatalf("error %q", err)
			}
			ended = !errors.Is(err, ErrRow)
			continue
		}
		if p.ProductRef <= 0 {
			t.Fatalf("product without a ref: %+v", p)
		}
		if p.Line < line {
			t.Fatalf("line %d after line %d", p.Line, line)
		}
		line = p.Line
	}
}

// fuzzCompare checks Compare's rule on any input: no ref the input holds
// is withdrawn, and nothing is withdrawn after an error that ends the feed
// or a row without a readable ref. The refs the input holds are read
// apart from the decoder: those of every value Decode yields, the Product
// ID column of every record when encoding/csv reads the input whole, and
// the id attributes of product tags, outside comments, CDATA sections and
// instructions, for XML. The previous index holds them and refs the input
// cannot hold, and the bound is lifted so that withdrawals happen: when
// the feed was read whole with every ref readable, exactly the refs it did
// not show are withdrawn.
func fuzzCompare(t *testing.T, data []byte, opts *Options) {
	present := map[nexway.ProductRef]bool{}
	clean := true
	for p, err := range Decode(bytes.NewReader(data), opts) {
		if p.ProductRef > 0 {
			present[p.ProductRef] = true
		}
		if err != nil && (!errors.Is(err, ErrRow) || p.ProductRef <= 0) {
			clean = false
		}
	}
	shown := maps.Clone(present)
	for ref := range heldRefs(data, opts) {
		present[ref] = true
	}
	var x Index
	for ref := range present {
		x.Add(ref, 1)
	}
	absent := []nexway.ProductRef{1 << 62, 1<<62 + 1, 1<<62 + 2}
	for _, ref := range absent {
		x.Add(ref, 1)
	}
	withdrawn, told := map[nexway.ProductRef]bool{}, map[nexway.ProductRef]bool{}
	for ch, err := range x.Compare(Decode(bytes.NewReader(data), opts), nil, &CompareOptions{MaxWithdrawn: 1}) {
		if ch.Kind == Added || ch.Kind == Changed {
			// A ref on two rows: one of them only may set the product.
			if told[ch.Ref] {
				t.Fatalf("input %q: %d %v twice", data, ch.Ref, ch.Kind)
			}
			told[ch.Ref] = true
		}
		if ch.Kind != Withdrawn {
			continue
		}
		if err != nil || present[ch.Ref] && !slices.Contains(absent, ch.Ref) {
			t.Fatalf("input %q: %d withdrawn although the input holds it (%v)", data, ch.Ref, err)
		}
		if !clean {
			t.Fatalf("input %q: %d withdrawn after an error", data, ch.Ref)
		}
		withdrawn[ch.Ref] = true
	}
	if clean {
		for ref := range x.All() {
			if withdrawn[ref] == shown[ref] {
				t.Fatalf("input %q: ref %d shown %v, withdrawn %v", data, ref, shown[ref], withdrawn[ref])
			}
		}
	}
}

// fuzzPrefixes checks that a feed cut short invents no ref: a product
// that a cut of data yields is data's product in that place with data's
// ref, and the same product whole, except for the last row of a cut that
// falls inside it, whose last value may read shorter (RFC 4180 lets a feed
// end without a line end, so nothing shows that value was cut).
func fuzzPrefixes(t *testing.T, data []byte, opts *Options) {
	whole := decodeAll(bytes.NewReader(data), opts)
	step := max(1, len(data)/32) // every cut of a small input, 32 of a larger one
	for k := 0; k < len(data); k += step {
		got := decodeAll(bytes.NewReader(data[:k]), opts)
		// Only a LF ends a row for certain: a final CR may be half a CRLF.
		midRow := k > 0 && data[k-1] != '\n'
		for i, g := range got {
			p, err := g.p, g.err
			var w decoded
			if i < len(whole) {
				w = whole[i]
			}
			lastCut := midRow && i == len(got)-1
			switch {
			case w.err != nil && !errors.Is(w.err, ErrRow):
				// The whole input ends there too, with its own error.
			case lastCut:
				// A cut just after a separator reads as a whole row, and the
				// whole row may have more fields than the header; only a ref
				// the whole input reads elsewhere is invented.
				if p.ProductRef > 0 && w.p.ProductRef > 0 && w.p.ProductRef != p.ProductRef {
					t.Fatalf("input %q cut at %d: ref %d (%v), the whole input gives %d", data, k, p.ProductRef, err, w.p.ProductRef)
				}
			case err == nil && p.ProductRef > 0 && (w.err != nil || w.p.Line != p.Line || w.p.ProductRef != p.ProductRef):
				t.Fatalf("input %q cut at %d: product %+v, the whole input gives %+v, %v", data, k, p, w.p, w.err)
			case err == nil && p.ProductRef > 0 && w.p.Hash() != p.Hash():
				t.Fatalf("input %q cut at %d: product %+v, the whole input gives %+v", data, k, p, w.p)
			case err != nil && p.ProductRef > 0 && w.p.ProductRef != p.ProductRef:
				t.Fatalf("input %q cut at %d: ref %d (%v), the whole input gives %d", data, k, p.ProductRef, err, w.p.ProductRef)
			}
		}
	}
}

var (
	// xmlHidden matches what holds no element: comments, CDATA sections,
	// processing instructions.
	xmlHidden = regexp.MustCompile(`(?s)<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>`)
	// productTag matches a product start tag; productID one of its id
	// attributes.
	productTag = regexp.MustCompile(`<product(\s[^>]*)?>`)
	productID  = regexp.MustCompile(`\s(?:[\w.-]+:)?id\s*=\s*(?:"\s*(\d+)\s*"|'\s*(\d+)\s*')`)
)

// heldRefs reads the refs the input holds without the decoder.
func heldRefs(data []byte, opts *Options) map[nexway.ProductRef]bool {
	held := map[nexway.ProductRef]bool{}
	add := func(v string) {
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && n > 0 {
			held[nexway.ProductRef(n)] = true
		}
	}
	body := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if opts.Format == XML {
		for _, tag := range productTag.FindAll(xmlHidden.ReplaceAll(body, nil), -1) {
			for _, m := range productID.FindAllSubmatch(tag, -1) {
				add(string(m[1]) + string(m[2]))
			}
		}
		return held
	}
	if opts.Quote != 0 && opts.Quote != '"' {
		return held
	}
	sep, nl := sniffCSV(body, '"')
	if opts.Separator != 0 {
		sep = byte(opts.Separator)
	}
	if nl != '\n' {
		return held
	}
	r := csv.NewReader(bytes.NewReader(body))
	r.Comma, r.FieldsPerRecord = rune(sep), -1
	records, err := r.ReadAll()
	if err != nil || len(records) == 0 {
		return held
	}
	for k, h := range records[0] {
		if feedcol.Lookup(h) == feedcol.ProductID {
			for _, rec := range records[1:] {
				if k < len(rec) {
					add(rec[k])
				}
			}
		}
	}
	return held
}

func FuzzDecodeCSV(f *testing.F) {
	f.Add(generated(feedgen.Config{Count: 2, Seed: 1}), false)
	f.Add(generated(feedgen.Config{Count: 2, Seed: 2, Separator: ';', CRLF: true, DecimalComma: true,
		Columns: []string{"Product ID", "Promo", "Categories", "Short description FR", "Language"}}), true)
	f.Add([]byte("\ufeffProduct ID|Name\r1|\"a\"\"b\"\r2|x\"y\r"), false)
	f.Add([]byte("Product ID,,Name\n1,,\"open"), true)
	f.Add([]byte("Product ID,Name\n1,\"a\"b\n2,c\n"), false)
	f.Add([]byte("Name,Product ID\n\"a\"b,1\nc,2\n"), false)
	f.Add([]byte("Product ID;Price wo.VAT\nx;1\n3;1,299\n"), false)
	f.Add([]byte("Name,Product ID,Price wo.VAT\na,1,129.99\nb,2,\"1\"\"9\"\n\"c\",1,2\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, small bool) {
		opts := &Options{Format: CSV}
		if small {
			opts.MaxRecordSize = 64
		}
		fuzzFeed(t, data, opts)
		fuzzCompare(t, data, opts)
		fuzzPrefixes(t, data, opts)
	})
}

func FuzzDecodeXML(f *testing.F) {
	f.Add(generated(feedgen.Config{Count: 2, Seed: 1, Format: feedgen.XML}), false)
	f.Add([]byte(`<?xml version="1.0" encoding="ISO-8859-1"?><p><product id="1"><name>a</name></product></p>`), false)
	f.Add([]byte(`<products><product id="1"/><product/></products>`), false)
	f.Add([]byte(`<products><product id="1"/></products><products><product id="2"/></products>x`), false)
	f.Add([]byte(`<products><product id="1"/><product id="2"><product id="3"/></product></products>`), false)
	f.Add([]byte(`<catalog><group><product id="7"><description format="long">&nbsp;x</description><product id="8"/></product></group><product id="x"/></catalog>`), true)
	f.Fuzz(func(t *testing.T, data []byte, small bool) {
		opts := &Options{Format: XML}
		if small {
			opts.MaxRecordSize = 64
		}
		fuzzFeed(t, data, opts)
		fuzzCompare(t, data, opts)
		fuzzPrefixes(t, data, opts)
	})
}
