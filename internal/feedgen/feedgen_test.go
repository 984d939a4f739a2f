package feedgen

import (
	"github.com/nexway-go/nexway/internal/feedcol"

	"bytes"
	"encoding/csv"
	"encoding/xml"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func read(t testing.TB, cfg Config) []byte {
	t.Helper()
	b, err := io.ReadAll(New(cfg))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDeterministicAndReadEqualsWriteTo(t *testing.T) {
	for _, cfg := range []Config{
		{Count: 500, Seed: 7},
		{Count: 500, Seed: 7, Format: XML},
		{Count: 300, Seed: 3, Separator: ';', CRLF: true, DecimalComma: true},
	} {
		a, b := read(t, cfg), read(t, cfg)
		var w bytes.Buffer
		if _, err := New(cfg).WriteTo(&w); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) || !bytes.Equal(a, w.Bytes()) {
			t.Fatalf("%+v: Read twice and WriteTo give different bytes", cfg)
		}
		other := cfg
		other.Seed++
		if bytes.Equal(a, read(t, other)) {
			t.Fatalf("%+v: another seed gives the same feed", cfg)
		}
	}
}

// Small reads cut rows anywhere; the bytes must not change.
func TestReadInSmallPieces(t *testing.T) {
	cfg := Config{Count: 50, Seed: 1}
	want := read(t, cfg)
	f := New(cfg)
	var got []byte
	buf := make([]byte, 7)
	for {
		n, err := f.Read(buf)
		got = append(got, buf[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(got, want) {
		t.Fatal("reading 7 bytes at a time changed the feed")
	}
}

// The CSV is valid for encoding/csv, has the header asked for, and every
// value is what Synthetic made, quotes and line breaks included.
func TestCSVMatchesProducts(t *testing.T) {
	cols := []string{feedcol.LongDescription.Header(), feedcol.ProductID.Header(), "Promotion", feedcol.Price.Header(), feedcol.Screenshots.Header(), feedcol.Name.Header(), feedcol.OS.Header(), feedcol.Misc.Header()}
	for _, sep := range []byte{',', ';', '\t', '|'} {
		cfg := Config{Count: 200, Seed: 9, Columns: cols, Separator: sep, CRLF: sep == ';', DecimalComma: sep == ','}
		r := csv.NewReader(New(cfg))
		r.Comma = rune(sep)
		r.FieldsPerRecord = len(cols)
		records, err := r.ReadAll()
		if err != nil {
			t.Fatalf("separator %q: %v", sep, err)
		}
		if !slices.Equal(records[0], cols) || len(records) != 201 {
			t.Fatalf("separator %q: header %q, %d records", sep, records[0], len(records))
		}
		var p Product
		for i, rec := range records[1:] {
			p.Screenshots, p.OS = p.Screenshots[:0], p.OS[:0]
			Synthetic(9, i, &p)
			price := strconv.FormatInt(p.Price/100, 10) + "." + strconv.FormatInt(p.Price%100/10, 10) + strconv.FormatInt(p.Price%10, 10)
			if cfg.DecimalComma {
				price = strings.Replace(price, ".", ",", 1)
			}
			var os []string
			for _, id := range p.OS {
				os = append(os, strconv.Itoa(id))
			}
			want := []string{p.LongDescription, strconv.FormatInt(p.Ref, 10), UnknownValue("Promotion", p.Ref),
				price, strings.Join(p.Screenshots, ":"), p.Name, strings.Join(os, ":"), p.Misc}
			if !slices.Equal(rec, want) {
				t.Fatalf("separator %q, row %d:\n got %q\nwant %q", sep, i, rec, want)
			}
		}
	}
}

func TestCSVRowsAreAboutOneKilobyte(t *testing.T) {
	n := len(read(t, Config{Count: 2000, Seed: 1}))
	if per := n / 2000; per < 900 || per > 1200 {
		t.Fatalf("%d bytes a row", per)
	}
}

type xmlProduct struct {
	ID   int64  `xml:"id,attr"`
	Name string `xml:"name"`
	Desc []struct {
		Format string `xml:"format,attr"`
		Text   string `xml:",chardata"`
	} `xml:"description"`
}

func TestXMLIsWellFormed(t *testing.T) {
	var doc struct {
		Products []xmlProduct `xml:"product"`
	}
	if err := xml.NewDecoder(New(Config{Count: 100, Seed: 2, Format: XML})).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	var p Product
	for i, x := range doc.Products {
		Synthetic(2, i, &p)
		if x.ID != p.Ref || x.Name != p.Name || len(x.Desc) != 2 || x.Desc[1].Text != p.LongDescription {
			t.Fatalf("product %d: %+v, want ref %d name %q", i, x, p.Ref, p.Name)
		}
	}
	if len(doc.Products) != 100 {
		t.Fatalf("%d products", len(doc.Products))
	}
}

func TestCustomProducts(t *testing.T) {
	got := string(read(t, Config{Count: 2, Columns: []string{feedcol.ProductID.Header(), feedcol.Name.Header(), feedcol.Categories.Header()}, Product: func(i int, p *Product) {
		p.Ref, p.Name, p.Categories = int64(i+1), `A "quoted", name`, append(p.Categories, i, i+1)
	}}))
	want := "Product ID,Name,Categories\n1,\"A \"\"quoted\"\", name\",0:1\n2,\"A \"\"quoted\"\", name\",1:2\n"
	if got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

func TestEmptyFeeds(t *testing.T) {
	if got := string(read(t, Config{Columns: []string{feedcol.ProductID.Header()}})); got != "Product ID\n" {
		t.Fatalf("CSV %q", got)
	}
	if got := string(read(t, Config{Format: XML})); !strings.HasSuffix(got, "<products>\n</products>\n") {
		t.Fatalf("XML %q", got)
	}
}

// BenchmarkGenerate is the generator's own speed, which the decoding
// benchmarks do not include: they read a generated file.
func BenchmarkGenerate(b *testing.B) {
	n, _ := io.Copy(io.Discard, New(Config{Count: 10000, Seed: 1}))
	b.SetBytes(n)
	for b.Loop() {
		_, _ = New(Config{Count: 10000, Seed: 1}).WriteTo(io.Discard)
	}
}
