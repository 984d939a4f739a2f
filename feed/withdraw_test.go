package feed

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/nexway-go/nexway"
)

// outcome is what a comparison gave: the refs withdrawn and the last error.
type outcome struct {
	withdrawn []nexway.ProductRef
	rows      []error // row errors, in order
	last      error   // the error that ended the comparison, if any
}

// compare runs previous (refs with hash 1) against the feed.
func compare(t *testing.T, previous []nexway.ProductRef, feed string, dopts *Options, copts *CompareOptions, next *Index) outcome {
	t.Helper()
	var x Index
	for _, ref := range previous {
		x.Add(ref, 1)
	}
	var out outcome
	for ch, err := range x.Compare(Decode(strings.NewReader(feed), dopts), next, copts) {
		switch {
		case err != nil && errors.Is(err, ErrRow):
			out.rows = append(out.rows, err)
		case err != nil:
			if out.last != nil {
				t.Fatalf("a value after the error %v: %v", out.last, err)
			}
			out.last = err
		case ch.Kind == Withdrawn:
			out.withdrawn = append(out.withdrawn, ch.Ref)
		}
	}
	return out
}

var all = &CompareOptions{MaxWithdrawn: 1}

// Issue 19, point 1: what is not positively a feed is ErrInvalidFeed and
// withdraws nothing, even with the bound lifted.
func TestNotAFeedWithdrawsNothing(t *testing.T) {
	for name, body := range map[string]string{
		"empty":               "",
		"BOM only":            "\xef\xbb\xbf",
		"blank":               " \r\n\t\n",
		"HTML":                "<html><body><h1>502 Bad Gateway</h1></body></html>",
		"XHTML":               `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">` + "\n" + `<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Error</title></head><body><p>Maintenance</p></body></html>`,
		"XHTML, no doctype":   `<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body>Down</body></html>`,
		"XHTML with products": `<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body><product id="1"/><product id="2"/></body></html>`,
		"XML error element":   `<?xml version="1.0"?><error code="401">Invalid secret</error>`,
		"XML errors":          `<Errors><Error>Access denied</Error></Errors>`,
		"XML error in feed":   `<products><product id="1"/><product id="2"/><error>generation failed</error></products>`,
		"SOAP fault":          `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultstring>x</faultstring></soap:Fault></soap:Body></soap:Envelope>`,
		"other XML document":  `<response><status>KO</status><message>unknown provider</message></response>`,
		"JSON error":          `{"error":"invalid secret","code":401}`,
		"plain text":          "Service Unavailable\n",
		"CSV without ID":      "Name,Price wo.VAT\nAntivirus,19.99\n",
	} {
		t.Run(name, func(t *testing.T) {
			out := compare(t, []nexway.ProductRef{1, 2, 3}, body, nil, all, nil)
			if len(out.withdrawn) != 0 || !errors.Is(out.last, ErrInvalidFeed) {
				t.Fatalf("withdrawn %v, last error %v", out.withdrawn, out.last)
			}
		})
	}
}

// A feed recognised as such, but empty, withdraws everything only when
// the caller lifted the bound.
func TestEmptyFeedIsAMassWithdrawal(t *testing.T) {
	for name, body := range map[string]string{
		"CSV header only": "Product ID,Name\n",
		"XML, no product": `<?xml version="1.0"?><products></products>`,
	} {
		t.Run(name, func(t *testing.T) {
			out := compare(t, []nexway.ProductRef{1, 2, 3}, body, nil, nil, nil)
			var mw *MassWithdrawalError
			if len(out.withdrawn) != 0 || !errors.As(out.last, &mw) || *mw != (MassWithdrawalError{Withdrawn: 3, Previous: 3, Limit: 0}) {
				t.Fatalf("withdrawn %v, last error %v", out.withdrawn, out.last)
			}
			out = compare(t, []nexway.ProductRef{1, 2, 3}, body, nil, all, nil)
			if !slices.Equal(out.withdrawn, []nexway.ProductRef{1, 2, 3}) || out.last != nil {
				t.Fatalf("with the bound lifted: withdrawn %v, last error %v", out.withdrawn, out.last)
			}
		})
	}
}

// Issue 19, point 2: a row whose ref can be read is never withdrawn,
// whatever else is wrong with it; the row error carries the ref.
func TestReadableRefNeverWithdrawn(t *testing.T) {
	for _, tc := range []struct {
		name, feed string
		ref        nexway.ProductRef
	}{
		{"quote error after the ID", "Product ID,Name\n1,\"a\"b\n2,c\n", 1},
		{"bad price", "Product ID,Name,Price wo.VAT\n1,a,12€\n2,c,1\n", 1},
		{"bad list", "Product ID,Categories\n1,1:x\n2,3\n", 1},
		{"too few fields", "Product ID,Name,Price wo.VAT\n1,a\n2,c,1\n", 1},
		{"too many fields, ID first", "Product ID,Name\n1,Foo, Inc\n2,c\n", 1},
		{"ID with spaces", "Product ID,Number of users\n 1 ,many\n2,3\n", 1},
		{"XML nested product", `<products><product id="2"><related><product id="1"/></related></product></products>`, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next := new(Index)
			out := compare(t, []nexway.ProductRef{1, 2, 3}, tc.feed, nil, all, next)
			if out.last != nil || !slices.Equal(out.withdrawn, []nexway.ProductRef{3}) || len(out.rows) != 1 {
				t.Fatalf("withdrawn %v, rows %v, last %v", out.withdrawn, out.rows, out.last)
			}
			var fe *Error
			if !errors.As(out.rows[0], &fe) || fe.Ref != tc.ref {
				t.Fatalf("row error %#v does not carry ref %d", out.rows[0], tc.ref)
			}
			// The row's product keeps its previous hash, to be judged again.
			if h, ok := next.Lookup(tc.ref); !ok || h != 1 {
				t.Fatalf("next: %d, %v", h, ok)
			}
		})
	}
}

// A row whose ref cannot be read for certain may be any product: the
// comparison is incomplete, withdraws nothing and says which rows.
func TestUnreadableRefMakesTheComparisonIncomplete(t *testing.T) {
	for _, tc := range []struct {
		name, feed string
		line       int
	}{
		{"not a number", "Product ID,Name\n1,a\nabc,b\n", 3},
		{"negative", "Product ID,Name\n1,a\n-2,b\n", 3},
		{"zero", "Product ID,Name\n1,a\n0,b\n", 3},
		{"empty", "Product ID,Name\n1,a\n,b\n", 3},
		{"quote error before the ID", "Name,Product ID\na,1\n\"b\"x,2\n", 3},
		{"quote error in the ID", "Name,Product ID\na,1\nb,\"2\"x\n", 3},
		{"too many fields, ID not first", "Name,Product ID\na,1\nFoo, Inc,2\n", 3},
		{"too many fields, shifted ID", "Name,Product ID,Number of users\na,1,1\nSuite, 2,3,5\n", 3},
		{"too few fields, no ID", "Name,Price wo.VAT,Product ID\na,1,1\nb,2\n", 3},
		{"XML without id", `<products><product id="1"/>` + "\n" + `<product/></products>`, 2},
		{"XML id twice", `<products><product id="1"/>` + "\n" + `<product id="2" id="3"/></products>`, 2},
		{"XML nested without id", `<products><product id="1"><product/></product></products>`, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next := new(Index)
			out := compare(t, []nexway.ProductRef{1, 2, 3}, tc.feed, nil, all, next)
			var ie *IncompleteError
			if len(out.withdrawn) != 0 || !errors.As(out.last, &ie) || !errors.Is(out.last, ErrIncomplete) ||
				ie.Rows != 1 || !slices.Equal(ie.Lines, []int{tc.line}) {
				t.Fatalf("withdrawn %v, last %#v", out.withdrawn, out.last)
			}
			if !strings.Contains(ie.Error(), fmt.Sprint("line ", tc.line)) {
				t.Fatalf("%q", ie.Error())
			}
			// Nothing is forgotten: tomorrow judges 2 and 3 again.
			if next.Len() != 3 {
				t.Fatalf("next has %d products", next.Len())
			}
		})
	}
	// Lines are bounded, the count is not.
	var b strings.Builder
	b.WriteString("Product ID\n")
	for range 150 {
		b.WriteString("x\n")
	}
	out := compare(t, []nexway.ProductRef{1}, b.String(), nil, all, nil)
	var ie *IncompleteError
	if !errors.As(out.last, &ie) || ie.Rows != 150 || len(ie.Lines) != maxIncompleteLines || ie.Lines[0] != 2 {
		t.Fatalf("%v", out.last)
	}
}

// Issue 19, point 3: more withdrawals than the bound stop with a typed
// error saying how many; the caller may raise the bound.
func TestMassWithdrawalGuard(t *testing.T) {
	previous := make([]nexway.ProductRef, 10)
	for i := range previous {
		previous[i] = nexway.ProductRef(i + 1)
	}
	feedWithout := func(n int) string {
		var b strings.Builder
		b.WriteString("Product ID\n")
		for i := n + 1; i <= 10; i++ {
			fmt.Fprintln(&b, i)
		}
		return b.String()
	}
	for _, tc := range []struct {
		omitted int
		opts    *CompareOptions
		err     *MassWithdrawalError
	}{
		{2, nil, nil},
		{3, nil, &MassWithdrawalError{Withdrawn: 3, Previous: 10, Limit: 2}},
		{3, &CompareOptions{MaxWithdrawn: 0.3}, nil},
		{4, &CompareOptions{MaxWithdrawn: 0.3}, &MassWithdrawalError{Withdrawn: 4, Previous: 10, Limit: 3}},
		{10, nil, &MassWithdrawalError{Withdrawn: 10, Previous: 10, Limit: 2}},
		{10, &CompareOptions{MaxWithdrawn: 0.99}, &MassWithdrawalError{Withdrawn: 10, Previous: 10, Limit: 9}},
		{10, all, nil},
	} {
		next := new(Index)
		out := compare(t, previous, feedWithout(tc.omitted), nil, tc.opts, next)
		if tc.err == nil {
			if out.last != nil || len(out.withdrawn) != tc.omitted || next.Len() != 10-tc.omitted {
				t.Errorf("%d omitted, %+v: withdrawn %v, %v", tc.omitted, tc.opts, out.withdrawn, out.last)
			}
			continue
		}
		var mw *MassWithdrawalError
		if len(out.withdrawn) != 0 || !errors.As(out.last, &mw) || *mw != *tc.err || !errors.Is(out.last, ErrMassWithdrawal) {
			t.Errorf("%d omitted, %+v: withdrawn %v, %v", tc.omitted, tc.opts, out.withdrawn, out.last)
			continue
		}
		if msg := mw.Error(); !strings.Contains(msg, fmt.Sprintf("%d of 10", tc.omitted)) {
			t.Errorf("%q does not say how many", msg)
		}
		if next.Len() != 10 {
			t.Errorf("next forgot products: %d", next.Len())
		}
	}
	// Nothing to withdraw from an empty index.
	if out := compare(t, nil, "Product ID\n", nil, nil, nil); out.last != nil {
		t.Fatal(out.last)
	}
}

func TestCompareOptionsRefused(t *testing.T) {
	for _, v := range []float64{-0.1, 1.5, math.NaN(), math.Inf(1)} {
		out := compare(t, []nexway.ProductRef{1}, "Product ID\n1\n", nil, &CompareOptions{MaxWithdrawn: v}, nil)
		var ae *nexway.ArgumentError
		if !errors.As(out.last, &ae) || ae.Field != "CompareOptions.MaxWithdrawn" {
			t.Errorf("%v: %v", v, out.last)
		}
	}
}

// Issue 19, point 5: a price that reads two ways is a row error, with the
// ref; the decimal mark, when set, decides.
func TestAmbiguousPriceIsARowError(t *testing.T) {
	feed := "Product ID;Price wo.VAT;Total size\n1;1,299;1\n2;1.299;2\n3;19,99;0.5\n4;7;1.250,5\n"
	prices := func(opts *Options) []string {
		var out []string
		for p, err := range Decode(strings.NewReader(feed), opts) {
			if err != nil {
				var fe *Error
				if !errors.As(err, &fe) || !errors.Is(err, ErrRow) || fe.Ref != p.ProductRef || p.ProductRef == 0 {
					t.Fatalf("%v", err)
				}
				out = append(out, fmt.Sprintf("%d:%s", p.ProductRef, fe.Column))
				continue
			}
			out = append(out, fmt.Sprintf("%d:%v/%v", p.ProductRef, p.Price, p.TotalSize))
		}
		return out
	}
	for _, tc := range []struct {
		mark rune
		want []string
	}{
		{0, []string{"1:Price wo.VAT", "2:Price wo.VAT", "3:19.99/0.5", "4:Total size"}},
		{',', []string{"1:1.299/1", "2:Price wo.VAT", "3:Total size", "4:Total size"}},
		{'.', []string{"1:Price wo.VAT", "2:1.299/2", "3:Price wo.VAT", "4:Total size"}},
	} {
		if got := prices(&Options{DecimalMark: tc.mark}); !slices.Equal(got, tc.want) {
			t.Errorf("mark %q: %q, want %q", tc.mark, got, tc.want)
		}
	}
	for p, err := range Decode(strings.NewReader(feed), &Options{DecimalMark: 'x'}) {
		var ae *nexway.ArgumentError
		if !errors.As(err, &ae) || ae.Field != "Options.DecimalMark" || p.ProductRef != 0 {
			t.Fatalf("%v", err)
		}
	}
}

// Nothing panics on nil arguments: a nil index is empty, a nil sequence or
// reader is refused.
func TestNilArguments(t *testing.T) {
	var x *Index
	if x.Len() != 0 {
		t.Fatal("Len")
	}
	if _, ok := x.Lookup(1); ok {
		t.Fatal("Lookup")
	}
	for range x.All() {
		t.Fatal("All")
	}
	var buf strings.Builder
	if n, err := x.WriteTo(&buf); err != nil || n != IndexOverhead {
		t.Fatalf("WriteTo: %d, %v", n, err)
	}
	if _, err := x.ReadFrom(strings.NewReader(buf.String())); !errors.Is(err, nexway.ErrInvalidArgument) {
		t.Fatalf("ReadFrom: %v", err)
	}
	var got []string
	for ch, err := range x.Compare(Decode(strings.NewReader("Product ID\n1\n"), nil), nil, nil) {
		got = append(got, fmt.Sprint(ch.Kind, ch.Ref, err))
	}
	if !slices.Equal(got, []string{"added 1 <nil>"}) {
		t.Fatalf("Compare on a nil index: %q", got)
	}
	var y Index
	y.Add(1, 1)
	for name, seq := range map[string]func() error{
		"nil today": func() error {
			for _, err := range y.Compare(nil, nil, nil) {
				return err
			}
			return nil
		},
		"next is x": func() error {
			for _, err := range y.Compare(Decode(strings.NewReader("Product ID\n1\n"), nil), &y, nil) {
				return err
			}
			return nil
		},
		"nil reader": func() error {
			for _, err := range Decode(nil, nil) {
				return err
			}
			return nil
		},
		"nil products": func() error {
			_, err := BuildIndex(nil)
			return err
		},
	} {
		if err := seq(); !errors.Is(err, nexway.ErrInvalidArgument) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
