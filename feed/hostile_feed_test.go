package feed

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/nexway-go/nexway"
)

// prev is the previous index of the hostile cases: five products, so that
// withdrawing one is within any bound.
var prev = []nexway.ProductRef{1001, 1002, 1003, 1004, 1005}

// errAny stands for "some error that ends the comparison".
var errAny = errors.New("any error")

// A product is withdrawn only when the feed positively omits it: each case
// runs against prev with the mass-withdrawal bound lifted, so that only the
// decoder and Compare stand between odd input and a withdrawal.
func TestHostileFeedWithdrawsOnlyOmitted(t *testing.T) {
	const hdr = "Product ID,Name,Price wo.VAT\n"
	rows := "1001,a,1.00\n1002,b,2.00\n1003,c,3.00\n1004,d,4.00\n"
	for _, tc := range []struct {
		name string
		body string
		opts *Options
		want []nexway.ProductRef // withdrawn
		last error               // nil, ErrInvalidFeed, ErrIncomplete or errAny
	}{
		// CSV, RFC 4180 and the header.
		{"bom", "\ufeff" + hdr + rows, nil, []nexway.ProductRef{1005}, nil},
		{"crlf", strings.ReplaceAll(hdr+rows, "\n", "\r\n"), nil, []nexway.ProductRef{1005}, nil},
		{"trailing empty lines", hdr + rows + "\n\n\r\n", nil, []nexway.ProductRef{1005}, nil},
		{"embedded newline", hdr + rows + "1005,\"x\r\ny\",5.00\n", nil, nil, nil},
		{"header lower case", strings.ToLower(hdr) + rows, nil, []nexway.ProductRef{1005}, nil},
		{"header padded", " Product ID ,Name,Price wo.VAT\n" + rows, nil, []nexway.ProductRef{1005}, nil},
		{"header twice", "Product ID,Product ID\n1001,1005\n", nil, nil, ErrInvalidFeed},
		{"header quoted", "\"Product ID\",\"Name\"\n1001,a\n1002,b\n1003,c\n1004,d\n1005,e\n", nil, nil, nil},
		{"short row ref readable", hdr + rows + "1005\n", nil, nil, nil},
		{"short row ref absent", "Name,Product ID\n" + "a,1001\nb,1002\nc,1003\nd,1004\ne\n", nil, nil, ErrIncomplete},
		{"empty ref", hdr + rows + ",e,5.00\n", nil, nil, ErrIncomplete},
		{"stray quote after ref", hdr + rows + "1005,e\"x,5.00\n", nil, nil, nil},
		{"bad quote in ref", hdr + rows + "10\"05,e,5.00\n", nil, nil, ErrIncomplete},
		{"cut in quoted field", hdr + rows + "1005,\"e", nil, nil, errAny},
		{"cut in last value", hdr + rows + "1005,e,5", nil, nil, nil},
		{"cut in ref, the last value", "Name,Product ID\na,1001\nb,1002\nc,1003\nd,1004\ne,10", nil, nil, ErrIncomplete},
		{"header again mid-feed", hdr + rows + hdr + "1005,e,5.00\n", nil, nil, ErrIncomplete},
		// Refs.
		{"ref leading zero", hdr + rows + "01005,e,5.00\n", nil, nil, nil},
		{"ref plus", hdr + rows + "+1005,e,5.00\n", nil, nil, nil},
		{"ref spaces", hdr + rows + " 1005 ,e,5.00\n", nil, nil, nil},
		{"ref tab", hdr + rows + "\t1005\t,e,5.00\n", nil, nil, nil},
		{"ref nbsp", hdr + rows + "\u00a01005,e,5.00\n", nil, nil, nil},
		{"ref fullwidth digits", hdr + rows + "１００５,e,5.00\n", nil, nil, ErrIncomplete},
		{"ref arabic digits", hdr + rows + "١٠٠٥,e,5.00\n", nil, nil, ErrIncomplete},
		{"ref hex", hdr + rows + "0x3ED,e,5.00\n", nil, nil, ErrIncomplete},
		{"ref underscore", hdr + rows + "1_005,e,5.00\n", nil, nil, ErrIncomplete},
		{"ref float", hdr + rows + "1005.0,e,5.00\n", nil, nil, ErrIncomplete},
		{"ref exponent", hdr + rows + "1.005e3,e,5.00\n", nil, nil, ErrIncomplete},
		{"ref overflow", hdr + rows + "99999999999999999999,e,5.00\n", nil, nil, ErrIncomplete},
		{"ref negative", hdr + rows + "-1005,e,5.00\n", nil, nil, ErrIncomplete},
		{"ref zero", hdr + rows + "0,e,5.00\n", nil, nil, ErrIncomplete},
		{"ref suffix", hdr + rows + "1005abc,e,5.00\n", nil, nil, ErrIncomplete},
		// Duplicates: the product is in the feed; which row wins is not a withdrawal.
		{"duplicate ref", hdr + rows + "1004,d,9.00\n", nil, []nexway.ProductRef{1005}, nil},
		// Numbers.
		{"ambiguous price", hdr + rows + "1005,e,\"1,299\"\n", nil, nil, nil},
		{"thousands price", hdr + rows + "1005,e,\"1,299.00\"\n", nil, nil, nil},
		{"price other mark", hdr + rows + "1005,e,\"5,00\"\n", &Options{DecimalMark: '.'}, nil, nil},
		// Not a feed.
		{"html", "<!DOCTYPE html><html><body>Error</body></html>", nil, nil, ErrInvalidFeed},
		{"html upper after space", " \r\n<HTML><BODY>502</BODY></HTML>", nil, nil, ErrInvalidFeed},
		{"html bom", "\ufeff<html></html>", nil, nil, ErrInvalidFeed},
		{"html as csv", "<html><body>Product ID</body></html>", &Options{Format: CSV}, nil, ErrInvalidFeed},
		{"xhtml", `<?xml version="1.0"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "x"><html xmlns="http://www.w3.org/1999/xhtml"><body/></html>`, nil, nil, ErrInvalidFeed},
		{"xhtml with product", `<html xmlns="http://www.w3.org/1999/xhtml"><body><product id="1001"/></body></html>`, nil, nil, ErrInvalidFeed},
		{"json error", `{"error":"invalid secret"}`, nil, nil, ErrInvalidFeed},
		{"text error", "Forbidden\n", nil, nil, ErrInvalidFeed},
		{"utf-16", "\xff\xfeP\x00r\x00o\x00d\x00u\x00c\x00t\x00 \x00I\x00D\x00\n\x001\x000\x000\x001\x00\n\x00", nil, nil, ErrInvalidFeed},
		{"empty", "", nil, nil, ErrInvalidFeed},
		{"bom only", "\ufeff", nil, nil, ErrInvalidFeed},
		{"blank lines", "\n\n\r\n", nil, nil, ErrInvalidFeed},
		// XML.
		{"xml error element", `<?xml version="1.0"?><error code="403">forbidden</error>`, nil, nil, ErrInvalidFeed},
		{"xml no root close", `<products><product id="1001"/><product id="1002"/>`, nil, nil, errAny},
		{"xml cut in product", `<products><product id="1001"><name>a`, nil, nil, errAny},
		{"xml trailing garbage", `<products><product id="1001"/></products><products><product id="1002"/></products>`, nil, nil, errAny},
		{"xml billion laughs", `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><products><product id="1001"><name>&lol2;</name></product></products>`, nil, nil, errAny},
		{"xml entity in id", `<!DOCTYPE p [<!ENTITY x "1005">]><products><product id="&x;"/><product id="1001"/><product id="1002"/><product id="1003"/><product id="1004"/></products>`, nil, nil, errAny},
		{"xml id missing", `<products><product id="1001"/><product id="1002"/><product id="1003"/><product id="1004"/><product/></products>`, nil, nil, ErrIncomplete},
		{"xml id empty", `<products><product id="1001"/><product id="1002"/><product id="1003"/><product id="1004"/><product id=""/></products>`, nil, nil, ErrIncomplete},
		{"xml id padded", `<products><product id="1001"/><product id="1002"/><product id="1003"/><product id="1004"/><product id=" 1005 "/></products>`, nil, nil, nil},
		{"xml id element", `<products><product id="1001"/><product id="1002"/><product id="1003"/><product id="1004"/><product><id>1005</id></product></products>`, nil, nil, ErrIncomplete},
		{"xml namespaced", `<n:products xmlns:n="urn:x"><n:product id="1001"/><n:product id="1002"/><n:product id="1003"/><n:product id="1004"/><n:product id="1005"/></n:products>`, nil, nil, nil},
		{"xml comments pi cdata", `<?xml version="1.0" encoding="UTF-8"?><!-- c --><?pi x?><products><!-- <product id="9"/> --><product id="1001"><name><![CDATA[<product id="7">]]></name></product><product id="1002"/><product id="1003"/><product id="1004"/><product id="1005"/></products>`, nil, nil, nil},
		{"xml latin1 declared", `<?xml version="1.0" encoding="ISO-8859-1"?><products><product id="1001"/><product id="1002"/><product id="1003"/><product id="1004"/><product id="1005"/></products>`, nil, nil, errAny},
		{"xml utf16 declared", `<?xml version="1.0" encoding="UTF-16"?><products><product id="1001"/></products>`, nil, nil, errAny},
		{"xml nested product", `<products><product id="1001"><related><product id="1005"/></related></product><product id="1002"/><product id="1003"/><product id="1004"/></products>`, nil, nil, nil},
		{"xml after blank lines", "\r\n \n" + `<products><product id="1001"/><product id="1002"/><product id="1003"/><product id="1004"/></products>`, nil, []nexway.ProductRef{1005}, nil},
		{"xml two ids", `<products><product id="1001"/><product id="1002"/><product id="1003"/><product id="1004"/><product x:id="1005" id="1005" xmlns:x="urn:x"/></products>`, nil, nil, ErrIncomplete},
		{"xml text after root", `<products><product id="1001"/><product id="1002"/><product id="1003"/><product id="1004"/></products>502 Bad Gateway`, nil, nil, ErrInvalidFeed},
		{"xml page after root", `<products><product id="1001"/><product id="1002"/><product id="1003"/><product id="1004"/></products><html><body>502</body></html>`, nil, nil, ErrInvalidFeed},
		{"xml comment after root", `<products><product id="1001"/><product id="1002"/><product id="1003"/><product id="1004"/></products><!-- done -->` + "\n", nil, []nexway.ProductRef{1005}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := compare(t, prev, tc.body, tc.opts, all, nil)
			slices.Sort(out.withdrawn)
			if !slices.Equal(out.withdrawn, tc.want) {
				t.Errorf("withdrawn %v, want %v (rows %v, last %v)", out.withdrawn, tc.want, out.rows, out.last)
			}
			switch {
			case tc.last == nil && out.last != nil:
				t.Errorf("last %v, want none (rows %v)", out.last, out.rows)
			case tc.last == errAny && out.last == nil:
				t.Errorf("no error ending the comparison (rows %v)", out.rows)
			case tc.last != nil && tc.last != errAny && !errors.Is(out.last, tc.last):
				t.Errorf("last %v, want %v (rows %v)", out.last, tc.last, out.rows)
			}
		})
	}
}

// A ref on two rows: the feed says two things of one product, so the
// first row stands and the later ones are row errors with the ref; the
// product is neither withdrawn nor changed to the second row's price.
func TestDuplicateRefFirstRowStands(t *testing.T) {
	const hdr = "Product ID,Price wo.VAT\n"
	x, err := BuildIndex(Decode(strings.NewReader(hdr+"1,1.00\n2,2.00\n3,3.00\n4,4.00\n5,5.00\n"), nil))
	if err != nil {
		t.Fatal(err)
	}
	today := hdr + "1,1.00\n1,9.00\n2,2.50\n2,2.00\n3,3.00\n4,4.00\n5,5.00\n6,6.00\n6,7.00\n" +
		"7,\"1,299\"\n7,7.00\n" // a row error first: the whole row after it stands
	var got []string
	var next Index
	for ch, err := range x.Compare(Decode(strings.NewReader(today), nil), &next, nil) {
		s := fmt.Sprintf("%v %d", ch.Kind, ch.Ref)
		if ch.Product.Price != nil {
			s += " " + ch.Product.Price.String()
		}
		if err != nil {
			var fe *Error
			if !errors.As(err, &fe) || !errors.Is(err, ErrRow) || fe.Ref != ch.Ref {
				t.Fatalf("%s: %v", s, err)
			}
			s += " error"
		}
		got = append(got, s)
	}
	want := []string{"none 1 9.00 error", "changed 2 2.50", "none 2 2.00 error", "added 6 6.00", "none 6 7.00 error", "none 7 error", "added 7 7.00"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	for ref, price := range map[nexway.ProductRef]string{1: "1.00", 2: "2.50", 6: "6.00"} {
		d, _ := ParseDecimal(price)
		h, _ := next.Lookup(ref)
		if want := (&Product{Line: 1, ProductRef: ref, Price: &d}).Hash(); h != want {
			t.Errorf("next holds another row for %d", ref)
		}
	}
}

// What the index checks beyond a changed byte or a cut (see
// TestIndexReadFromDetectsDamage): bytes after its end, another file, two
// indexes in one, and a header claiming more products than the file holds,
// which must not allocate for the claim.
func TestHostileIndexFile(t *testing.T) {
	var x Index
	for i := range 5 {
		x.Add(nexway.ProductRef(1001+i), uint64(i+1))
	}
	var buf bytes.Buffer
	if _, err := x.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	saved := buf.Bytes()
	huge := binary.LittleEndian.AppendUint64([]byte(indexMagic+"\x02"), 1<<62)
	for name, data := range map[string][]byte{
		"appended byte":  append(bytes.Clone(saved), 0),
		"appended index": append(bytes.Clone(saved), saved...),
		"empty":          nil,
		"png":            []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
		"csv feed":       []byte("Product ID,Name\n1001,a\n"),
		"magic only":     []byte(indexMagic),
		"huge count":     huge,
		"huge count and entries": binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(
			bytes.Clone(huge), 1001), 1),
	} {
		var y Index
		y.Add(1, 1)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := y.ReadFrom(bytes.NewReader(data))
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrInvalidIndex) || y.Len() != 0 {
			t.Errorf("%s: %v, %d entries", name, err, y.Len())
		}
		if grown := after.TotalAlloc - before.TotalAlloc; grown > 2<<20 {
			t.Errorf("%s: %d bytes allocated", name, grown)
		}
	}
	// A reader's own error is returned as it is, and empties the index too.
	var y Index
	y.Add(1, 1)
	boom := errors.New("disk gone")
	if _, err := y.ReadFrom(io.MultiReader(bytes.NewReader(saved[:30]), iotest.ErrReader(boom))); !errors.Is(err, boom) || y.Len() != 0 {
		t.Errorf("reader error: %v, %d entries", err, y.Len())
	}
}

// rawServer answers every request with raw, written on the connection as
// it is, then closes it: responses net/http would not send itself.
func rawServer(t *testing.T, raw string) *nexway.Client {
	return feedServer(t, func(w http.ResponseWriter, r *http.Request) {
		conn, bw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		_, _ = bw.WriteString(raw)
		_ = bw.Flush()
	})
}

func gzipped(s string) string {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, _ = zw.Write([]byte(s))
	_ = zw.Close()
	return b.String()
}

// Downloads cut or answered oddly by a host or a proxy withdraw nothing,
// even where the part received ends exactly after a row: only the
// connection tells that it is cut.
func TestHostileDownload(t *testing.T) {
	const rows = "Product ID,Name\n1001,a\n1002,b\n"
	gz := gzipped(rows + "1003,c\n1004,d\n")
	for _, tc := range []struct{ name, raw string }{
		{"content-length longer", "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 400\r\n\r\n" + rows},
		{"chunked without last chunk", "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n" +
			fmt.Sprintf("%x\r\n%s\r\n", len(rows), rows)},
		{"chunked cut in a chunk", "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n" +
			fmt.Sprintf("%x\r\n%s", len(rows)+40, rows)},
		{"gzip cut", "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Encoding: gzip\r\nConnection: close\r\n\r\n" + gz[:len(gz)-8]},
		{"gzip declared, not gzip", "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Encoding: gzip\r\nConnection: close\r\n\r\n" + rows},
		{"206 partial", "HTTP/1.1 206 Partial Content\r\nContent-Type: text/csv\r\nContent-Range: bytes 0-29/900\r\nContent-Length: 30\r\n\r\n" + rows},
		{"204 no content", "HTTP/1.1 204 No Content\r\n\r\n"},
		{"304 not modified", "HTTP/1.1 304 Not Modified\r\n\r\n"},
		{"302 to a login page", "HTTP/1.1 302 Found\r\nLocation: https://cocoon.nexway.com/login\r\nContent-Type: text/html\r\nContent-Length: 40\r\n\r\n<html><body>Product ID</body></html>    "},
		{"200 login page as csv", "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 55\r\n\r\n<html><body><form action=login>Product ID</form></html>"},
		{"302 keeping the query", "HTTP/1.1 302 Found\r\nLocation: /login?next=%2Fflow%3Fsecret%3D" + testQuery.Secret + "&secret=" + testQuery.Secret + "\r\nContent-Length: 0\r\n\r\n"},
		{"content-length shorter", fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: %d\r\n\r\n%s1003,c\n1004,d\n", len(rows)+4, rows)},
		{"http/1.0 close", "HTTP/1.0 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 400\r\n\r\n" + rows},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := rawServer(t, tc.raw)
			var x Index
			for ref := range nexway.ProductRef(5) {
				x.Add(1001+ref, 1)
			}
			var last error
			for ch, err := range x.Compare(Products(bg, c, testQuery, nil), nil, all) {
				if ch.Kind == Withdrawn {
					t.Errorf("%d withdrawn", ch.Ref)
				}
				if err != nil {
					last = err
				}
			}
			if last == nil {
				t.Fatal("no error")
			}
			if strings.Contains(last.Error(), testQuery.Secret) {
				t.Fatalf("the secret in %q", last)
			}
		})
	}
}

// A feed that ends without a line end right after its ref may be cut
// inside it: "10" of "1002" must neither be added nor withdraw 1002.
func TestCutLastRefInventsNoProduct(t *testing.T) {
	var prev Index
	for _, err := range prev.Compare(Decode(strings.NewReader("Name,Product ID\na,1001\nb,1002\n"), nil), nil, nil) {
		if err != nil {
			t.Fatal(err)
		}
	}
	var changes []Change
	var errs []error
	for ch, err := range prev.Compare(Decode(strings.NewReader("Name,Product ID\na,1001\nb,10"), nil), new(Index), &CompareOptions{MaxWithdrawn: 1}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		changes = append(changes, ch)
	}
	for _, ch := range changes {
		if ch.Ref == 10 || ch.Kind == Withdrawn {
			t.Fatalf("%v %d from a cut ref (errors %v)", ch.Kind, ch.Ref, errs)
		}
	}
	if !slices.ContainsFunc(errs, func(err error) bool { return errors.Is(err, ErrIncomplete) }) {
		t.Fatalf("no ErrIncomplete: %v", errs)
	}
}

// Against an empty previous index (the first run, or a damaged index file
// read as empty) everything is added and nothing withdrawn, an empty feed
// included.
func TestCompareWithEmptyPrevious(t *testing.T) {
	for _, x := range []*Index{nil, new(Index)} {
		for body, added := range map[string]int{"Product ID\n1\n2\n": 2, "Product ID\n": 0} {
			n := 0
			for ch, err := range x.Compare(Decode(strings.NewReader(body), nil), nil, nil) {
				if err != nil || ch.Kind != Added {
					t.Fatalf("%q: %v %d, %v", body, ch.Kind, ch.Ref, err)
				}
				n++
			}
			if n != added {
				t.Fatalf("%q: %d added", body, n)
			}
		}
	}
}

// A host that echoes the secret in what it serves (a header, an element,
// an attribute, an entity, the charset), wherever an error cuts the text
// short, never shows it in an error of Products.
func TestSecretEchoedByTheHost(t *testing.T) {
	s := testQuery.Secret
	bodies := []string{
		"invalid secret " + s + "\n",
		`<error secret="` + s + `">bad</error>`,
		`<products><product id="1">&` + s + `;</product></products>`,
		`<products><product id="` + s + `"/></products>`,
		"Product ID,Price wo.VAT\n1," + s + "\n",
		`<?xml version="1.0" encoding="` + s + `"?><products/>`,
	}
	for n := range 24 {
		pad := strings.Repeat("x", n)
		bodies = append(bodies, "Product ID,"+pad+s+","+pad+s+"\n1,a,b\n", "<products><"+pad+s+pad+"></products>")
	}
	for _, body := range bodies {
		c := feedServer(t, func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, body) })
		errs := 0
		for _, err := range Products(bg, c, testQuery, nil) {
			if err != nil {
				errs++
				if strings.Contains(err.Error(), s[:4]) {
					t.Fatalf("%q: the secret in %q", body, err)
				}
			}
		}
		if errs == 0 {
			t.Fatalf("%q: no error", body)
		}
	}
}

// Elements nested without end around the products: the parser keeps each
// open one, so that a few megabytes took a hundred of memory, without
// bound; a depth bound refuses them early.
func TestXMLNestingBounded(t *testing.T) {
	for _, body := range []string{
		"<products>" + strings.Repeat("<a>", 1_000_000),
		"<products>" + strings.Repeat("<g>", 64) + `<product id="1"/>` + strings.Repeat("</g>", 64) + "</products>",
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		var last error
		n := 0
		for p, err := range Decode(strings.NewReader(body), nil) {
			if err == nil && p.ProductRef == 1 {
				n++
			}
			last = err
		}
		runtime.ReadMemStats(&after)
		if grown := after.TotalAlloc - before.TotalAlloc; grown > 16<<20 {
			t.Errorf("%d bytes in: %d allocated", len(body), grown)
		}
		if deep := n == 0; deep != errors.Is(last, ErrInvalidFeed) {
			t.Errorf("%d products, %v", n, last)
		}
	}
}

// A record of separators: each field costs a column or an Extra entry, so
// that a 4 MB header took 700 MiB; past 4096 fields the feed is refused.
func TestCSVFieldsBounded(t *testing.T) {
	for _, body := range []string{
		"Product ID" + strings.Repeat(",", 1_000_000) + "\n1\n",
		"Product ID,Name\n1" + strings.Repeat(",", 1_000_000) + "\n",
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		var last error
		for _, err := range Decode(strings.NewReader(body), nil) {
			last = err
		}
		runtime.ReadMemStats(&after)
		if grown := after.TotalAlloc - before.TotalAlloc; grown > 32<<20 || !errors.Is(last, ErrInvalidFeed) {
			t.Errorf("%d bytes in: %d allocated, %v", len(body), grown, last)
		}
	}
	// As many columns as allowed still decode.
	var wide strings.Builder
	wide.WriteString("Product ID")
	for i := 1; i < maxFields; i++ {
		fmt.Fprintf(&wide, ",c%d", i)
	}
	wide.WriteString("\n1" + strings.Repeat(",", maxFields-1) + "\n")
	for p, err := range Decode(strings.NewReader(wide.String()), nil) {
		if err != nil || p.ProductRef != 1 {
			t.Fatalf("%d columns: %v", maxFields, err)
		}
	}
}
