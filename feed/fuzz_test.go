package feed

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

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
			if !strings.HasPrefix(err.Error(), "nexway: feed") {
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

func FuzzDecodeFeedCSV(f *testing.F) {
	f.Add(generated(feedgen.Config{Count: 2, Seed: 1}), false)
	f.Add(generated(feedgen.Config{Count: 2, Seed: 2, Separator: ';', CRLF: true, DecimalComma: true,
		Columns: []string{"Product ID", "Promo", "Categories", "Short description FR", "Language"}}), true)
	f.Add([]byte("\ufeffProduct ID|Name\r1|\"a\"\"b\"\r2|x\"y\r"), false)
	f.Add([]byte("Product ID,,Name\n1,,\"open"), true)
	f.Fuzz(func(t *testing.T, data []byte, small bool) {
		opts := &Options{Format: CSV}
		if small {
			opts.MaxRecordSize = 64
		}
		fuzzFeed(t, data, opts)
	})
}

func FuzzDecodeFeedXML(f *testing.F) {
	f.Add(generated(feedgen.Config{Count: 2, Seed: 1, Format: feedgen.XML}), false)
	f.Add([]byte(`<?xml version="1.0" encoding="ISO-8859-1"?><p><product id="1"><name>a</name></product></p>`), false)
	f.Add([]byte(`<catalog><group><product id="7"><description format="long">&nbsp;x</description><product id="8"/></product></group><product id="x"/></catalog>`), true)
	f.Fuzz(func(t *testing.T, data []byte, small bool) {
		opts := &Options{Format: XML}
		if small {
			opts.MaxRecordSize = 64
		}
		fuzzFeed(t, data, opts)
	})
}
