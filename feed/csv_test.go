package feed

import (
	"github.com/nexway-go/nexway/internal/feedcol"

	"bufio"
	"errors"
	"github.com/nexway-go/nexway/internal/sniff"
	"io"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/nexway-go/nexway/internal/feedgen"

	"github.com/nexway-go/nexway"
)

// Every documented column and an unknown one, in a shuffled order, with
// each separator and line end: every product decodes to what was
// generated, whatever the order.
func TestDecodeGeneratedCSV(t *testing.T) {
	cols := append(feedgen.Columns(), "Promotion end")
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(cols), func(i, j int) { cols[i], cols[j] = cols[j], cols[i] })
	for _, cfg := range []feedgen.Config{
		{Count: 300, Seed: 1, Columns: cols},
		{Count: 300, Seed: 2, Columns: cols, Separator: ';', CRLF: true, DecimalComma: true},
		{Count: 300, Seed: 3, Columns: cols, Separator: '\t'},
		{Count: 300, Seed: 4, Columns: cols, Separator: '|', DecimalComma: true},
		{Count: 300, Seed: 5, Separator: ',', DecimalComma: true},
	} {
		rs := decodeAll(feedgen.New(cfg), nil)
		if len(rs) != cfg.Count {
			t.Fatalf("separator %q: %d values, want %d", cfg.Separator, len(rs), cfg.Count)
		}
		line := 1
		for i, r := range rs {
			if r.err != nil {
				t.Fatalf("separator %q, product %d: %v", cfg.Separator, i, r.err)
			}
			if r.p.Line <= line {
				t.Fatalf("product %d on line %d, after line %d", i, r.p.Line, line)
			}
			line = r.p.Line
			r.p.Line = 0
			if want := wantProduct(cfg, i); !reflect.DeepEqual(r.p, want) {
				t.Fatalf("separator %q, product %d:\n got %+v\nwant %+v", cfg.Separator, i, r.p, want)
			}
		}
	}
}

// A feed with a few columns fills those fields only.
func TestDecodeChosenColumns(t *testing.T) {
	cfg := feedgen.Config{Count: 5, Seed: 8, Columns: []string{feedcol.Name.Header(), feedcol.Price.Header(), feedcol.ProductID.Header()}}
	for i, r := range decodeAll(feedgen.New(cfg), nil) {
		w := wantProduct(cfg, i)
		want := Product{Line: i + 2, ProductRef: w.ProductRef, Name: w.Name, Price: w.Price}
		if r.err != nil || !reflect.DeepEqual(r.p, want) {
			t.Fatalf("product %d: %+v, %v; want %+v", i, r.p, r.err, want)
		}
	}
}

func TestDecodeCSVValues(t *testing.T) {
	feed := "\ufeffProduct ID;Name;Description language;Short description;Long description FR;long description en;" +
		"Screenshots;Categories;System requirements _ Operating system;Price wo. VAT;Type;Number of users;;Promo\r\n" +
		`733551;"Total ""Pro""; 2026";EN: FR ;short;"Longue` + "\r\n" + `description";long en;` +
		"a.png:https://cdn.example/b.png:c.png;12::13;1:2;19,99;3; 5 ;;spring\r\n" +
		"\r\n" +
		"733552;24\" screen;;;;;;;;;;;x;\r\n"
	rs := decodeAll(strings.NewReader(feed), nil)
	if len(rs) != 2 || rs[0].err != nil || rs[1].err != nil {
		t.Fatalf("%+v", rs)
	}
	want := Product{
		Line: 2, ProductRef: 733551, Name: `Total "Pro"; 2026`, Languages: []string{"EN", "FR"},
		Descriptions: []Description{{Short: "short"}, {Language: "FR", Long: "Longue\r\ndescription"}, {Language: "EN", Long: "long en"}},
		Screenshots:  []string{"a.png", "https://cdn.example/b.png", "c.png"}, Categories: []int{12, 13},
		OperatingSystems: []int{1, 2}, Price: &Decimal{1999, 2}, Type: Freeware, Users: 5,
		Extra: map[string]string{"Promo": "spring"},
	}
	if !reflect.DeepEqual(rs[0].p, want) {
		t.Fatalf("\n got %+v\nwant %+v", rs[0].p, want)
	}
	second := Product{Line: 5, ProductRef: 733552, Name: `24" screen`,
		Descriptions: []Description{{}, {Language: "FR"}, {Language: "EN"}},
		Extra:        map[string]string{"column 13": "x", "Promo": ""}}
	if !reflect.DeepEqual(rs[1].p, second) {
		t.Fatalf("\n got %+v\nwant %+v", rs[1].p, second)
	}
	if d := rs[0].p.Description("fr"); d.Long != "Longue\r\ndescription" {
		t.Fatalf("Description(fr) = %+v", d)
	}
	if d := rs[0].p.Description("DE"); d.Short != "short" {
		t.Fatalf("Description(DE) = %+v, want the one without a language", d)
	}
}

// Each bad input gives the products before it and an error naming the line
// (or a documented tolerant result), never a panic.
func TestDecodeCSVBadInput(t *testing.T) {
	const h = "Product ID,Name,Price wo.VAT\n"
	for _, tc := range []struct {
		name string
		feed string
		refs []int64 // refs decoded, -line for an error
		kind error   // what the last error matches
	}{
		{"empty", "", []int64{0}, ErrInvalidFeed},
		{"blank lines only", "\n\r\n  \n", []int64{0}, ErrInvalidFeed},
		{"header only", h, nil, nil},
		{"BOM", "\ufeff" + h + "1,a,1\n", []int64{1}, nil},
		{"CRLF", strings.ReplaceAll(h+"1,a,1\n2,b,2\n", "\n", "\r\n"), []int64{1, 2}, nil},
		{"CR", strings.ReplaceAll(h+"1,a,1\n2,b,2", "\n", "\r"), []int64{1, 2}, nil},
		{"no final line end", h + "1,a,1\n2,b,2", []int64{1, 2}, nil},
		{"cut inside quotes", h + "1,a,1\n2,\"b is cut", []int64{1, -3}, ErrInvalidFeed},
		{"cut mid-row", h + "1,a,1\n2,b", []int64{1, -3}, ErrInvalidFeed},
		{"short last row with a line end", h + "1,a,1\n2,b\n", []int64{1, -3}, ErrRow},
		{"fewer fields", h + "1,a\n2,b,2\n", []int64{-2, 2}, ErrRow},
		{"more fields", h + "1,a,1,x\n2,b,2\n", []int64{-2, 2}, ErrRow},
		{"text after a quote", h + "1,\"a\"b,1\n2,b,2\n", []int64{-2, 2}, ErrRow},
		{"bad price", h + "1,a,1.2.3\n2,b,2\n", []int64{-2, 2}, ErrRow},
		{"bad id", h + "x,a,1\n2,b,2\n", []int64{-2, 2}, ErrRow},
		{"empty id", h + ",a,1\n2,b,2\n", []int64{-2, 2}, ErrRow},
		{"duplicate column", "Product ID,Name,name\n1,a,b\n", []int64{-1}, ErrInvalidFeed},
		{"duplicate unknown column", "Product ID,Promo,Promo\n1,a,b\n", []int64{-1}, ErrInvalidFeed},
		{"duplicate description", "Product ID,Long description FR,long description fr\n1,a,b\n", []int64{-1}, ErrInvalidFeed},
		{"empty column names", "Product ID,,Name,\n1,,a,\n", []int64{1}, nil},
		{"no Product ID", "Name,Price\na,1\n", []int64{-1}, ErrInvalidFeed},
		{"quote in header", "Product ID,\"Na\"me\n1,a\n", []int64{-1}, ErrInvalidFeed},
		{"HTML page", "<!DOCTYPE html>\n<html><body>Service unavailable</body></html>\n", []int64{0}, ErrInvalidFeed},
		{"HTML page after blanks", "\n\n  <html><head><title>Error</title></head></html>", []int64{0}, ErrInvalidFeed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs := decodeAll(strings.NewReader(tc.feed), nil)
			if got := refs(rs); !slices.Equal(got, tc.refs) {
				t.Fatalf("got %v, want %v (%+v)", got, tc.refs, rs)
			}
			if tc.kind != nil {
				var last error
				for _, r := range rs {
					if r.err != nil {
						last = r.err
					}
				}
				if !errors.Is(last, tc.kind) {
					t.Fatalf("%v does not match %v", last, tc.kind)
				}
				if !strings.HasPrefix(last.Error(), "nexway: feed") {
					t.Fatalf("message %q", last)
				}
			}
		})
	}
}

func TestDecodeCSVRowErrorKeepsTheRest(t *testing.T) {
	rs := decodeAll(strings.NewReader("Product ID,Name,Price wo.VAT,Categories\n7,Seven,12€,1:x\n"), nil)
	if len(rs) != 1 {
		t.Fatalf("%+v", rs)
	}
	errorIs(t, rs[0].err, 2, ErrRow)
	if fe := rs[0].err.(*Error); fe.Column != "Price wo.VAT" || !strings.Contains(fe.Error(), `line 2, column "Price wo.VAT": not a decimal number`) {
		t.Fatalf("%q", fe)
	}
	want := Product{Line: 2, ProductRef: 7, Name: "Seven", Categories: []int{1},
		Extra: map[string]string{"Price wo.VAT": "12€", "Categories": "1:x"}}
	if !reflect.DeepEqual(rs[0].p, want) {
		t.Fatalf("\n got %+v\nwant %+v", rs[0].p, want)
	}
	// A short row keeps its id, so that it is not taken as withdrawn.
	rs = decodeAll(strings.NewReader("Product ID,Name,Price wo.VAT\n7,Sev\n"), nil)
	if rs[0].p.ProductRef != 7 || rs[0].p.Name != "Sev" || !errors.Is(rs[0].err, ErrRow) {
		t.Fatalf("%+v", rs)
	}
}

// A multi-line value moves the following rows' lines on.
func TestDecodeCSVLines(t *testing.T) {
	rs := decodeAll(strings.NewReader("Product ID,Name\n1,\"a\nb\nc\"\n\n2,x\n3,\"y\"z\n"), nil)
	if got := refs(rs); !slices.Equal(got, []int64{1, 2, -7}) || rs[0].p.Line != 2 || rs[1].p.Line != 6 {
		t.Fatalf("%v %+v", got, rs)
	}
	if fe := rs[2].err.(*Error); fe.Column != "Name" {
		t.Fatalf("column %q", fe.Column)
	}
}

func TestDecodeCSVLargeField(t *testing.T) {
	big := strings.Repeat("0123456789", 1<<20) // 10 MB
	feed := func() io.Reader {
		return io.MultiReader(strings.NewReader("Product ID,Long description\n1,short\n2,\""),
			strings.NewReader(big), strings.NewReader("\"\n3,after\n"))
	}
	rs := decodeAll(feed(), nil)
	if got := refs(rs); !slices.Equal(got, []int64{1, -3}) {
		t.Fatalf("%v", got)
	}
	errorIs(t, rs[1].err, 3, ErrInvalidFeed)
	// Unquoted, on one line longer than the read buffer.
	rs = decodeAll(io.MultiReader(strings.NewReader("Product ID,Long description\n1,"), strings.NewReader(big)), nil)
	errorIs(t, rs[0].err, 2, ErrInvalidFeed)
	// Allowed by the option, it is read whole.
	rs = decodeAll(feed(), &Options{MaxRecordSize: 16 << 20})
	if got := refs(rs); !slices.Equal(got, []int64{1, 2, 3}) || rs[1].p.Description("").Long != big {
		t.Fatalf("%v", got)
	}
}

func TestDecodeCSVOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		feed string
		opts Options
		want []string // names
	}{
		{"separator detected", "Product ID;Name\n1;a,b\n", Options{}, []string{"a,b"}},
		{"separator given", "Product ID;Name\n1;a,b\n", Options{Separator: ';'}, []string{"a,b"}},
		{"tab", "Product ID\tName\n1\ta;b\n", Options{}, []string{"a;b"}},
		{"single quote", "Product ID,Name\n1,'a, ''b'''\n", Options{Quote: '\''}, []string{"a, 'b'"}},
		{"no quoting", "Product ID,Name\n1,\"a\"\n", Options{Quote: NoQuote}, []string{`"a"`}},
		{"format given", "Product ID,Name\n1,a\n", Options{Format: CSV}, []string{"a"}},
		{"latin-1", "Product ID,Name\n1,caf\xe9\n", Options{Charset: latin1}, []string{"café"}},
		{"invalid UTF-8 kept", "Product ID,Name\n1,caf\xe9\n", Options{}, []string{"caf\xe9"}},
	} {
		var got []string
		for p, err := range Decode(strings.NewReader(tc.feed), &tc.opts) {
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			got = append(got, p.Name)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// latin1 converts ISO 8859-1 to UTF-8, as a charset decoder would.
func latin1(r io.Reader) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		br := bufio.NewReader(r)
		bw := bufio.NewWriter(pw)
		for {
			b, err := br.ReadByte()
			if err != nil {
				bw.Flush()
				pw.CloseWithError(err)
				return
			}
			bw.WriteRune(rune(b))
		}
	}()
	return pr
}

// Invalid options fail before the feed is read.
func TestDecodeFeedInvalidOptions(t *testing.T) {
	for _, o := range []Options{
		{Format: 7}, {Separator: '\n'}, {Separator: 'é'}, {Quote: '\r'}, {Quote: -2},
		{Separator: '"'}, {Separator: '\'', Quote: '\''}, {MaxRecordSize: -1},
		{Charset: func(io.Reader) io.Reader { return nil }},
	} {
		r := iotest.ErrReader(errors.New("read"))
		for _, err := range Decode(r, &o) {
			if !errors.Is(err, nexway.ErrInvalidArgument) {
				t.Errorf("%+v: %v", o, err)
			}
		}
	}
	// A detected separator equal to the quote.
	for _, err := range Decode(strings.NewReader("Product ID\n1\n"), &Options{Quote: ','}) {
		if !errors.Is(err, nexway.ErrInvalidArgument) {
			t.Errorf("quote ',': %v", err)
		}
	}
}

// A reader failing mid-way: the rows before come, then its error.
func TestDecodeCSVReaderError(t *testing.T) {
	boom := errors.New("connection reset")
	r := io.MultiReader(strings.NewReader("Product ID,Name\n1,a\n2,b\n3,"), iotest.ErrReader(boom))
	rs := decodeAll(r, nil)
	if got := refs(rs); !slices.Equal(got, []int64{1, 2, -4}) || !errors.Is(rs[2].err, boom) {
		t.Fatalf("%v %v", got, rs[len(rs)-1].err)
	}
	if errors.Is(rs[2].err, ErrRow) || errors.Is(rs[2].err, ErrInvalidFeed) {
		t.Fatal("a reader's error matches a format error")
	}
}

// Breaking out of the loop stops reading.
func TestDecodeFeedStopsEarly(t *testing.T) {
	cr := &countingReader{r: feedgen.New(feedgen.Config{Count: 100000, Seed: 1})}
	n := 0
	for _, err := range Decode(cr, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 10 {
			break
		}
	}
	if cr.n > 2*sniff.BufferSize {
		t.Fatalf("read %d bytes for 10 products", cr.n)
	}
}

// The scanner follows encoding/csv on what encoding/csv accepts.
func TestCSVScannerSeparatorSniff(t *testing.T) {
	for _, tc := range []struct {
		head    string
		sep, nl byte
	}{
		{"Product ID,Name\n", ',', '\n'},
		{"Product ID;Name;Price\r\n", ';', '\n'},
		{"Product ID\tName", '\t', '\n'},
		{"Product ID|Name\r1|a\r", '|', '\r'},
		{"\"Name, long\";Product ID\n", ';', '\n'},
		{"Product ID\n", ',', '\n'},
		{"\n\nProduct ID;Name\n", ';', '\n'},
	} {
		sep, nl := sniffCSV([]byte(tc.head), '"')
		if sep != tc.sep || nl != tc.nl {
			t.Errorf("%q: %q %q, want %q %q", tc.head, sep, nl, tc.sep, tc.nl)
		}
	}
}

func TestAppendInts(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []int
		ok   bool
	}{
		{"", nil, true}, {"1", []int{1}, true}, {"12::13:", []int{12, 13}, true}, {" 1 : 2 ", []int{1, 2}, true},
		{"1234567890:5", []int{1234567890, 5}, true}, {"-3:4", []int{-3, 4}, true}, {"1:x:2", []int{1}, false}, {"1 2", nil, false},
	} {
		got, ok := appendInts(nil, tc.in)
		if !slices.Equal(got, tc.want) || ok != tc.ok {
			t.Errorf("%q: %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// The decoder holds the same memory after 1,000 products as after 50,000:
// what it keeps does not grow with the feed (6 bytes a product would
// show).
func TestDecodeFeedConstantMemory(t *testing.T) {
	liveAt := map[int]uint64{}
	n := 0
	for _, err := range Decode(feedgen.New(feedgen.Config{Count: 50_000, Seed: 1}), nil) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 1_000 || n == 50_000 {
			liveAt[n] = liveHeap()
		}
	}
	if grown := int64(liveAt[50_000]) - int64(liveAt[1_000]); grown > 256<<10 {
		t.Fatalf("the live heap grew by %d KiB between product 1,000 and 50,000", grown>>10)
	}
}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
