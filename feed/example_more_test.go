package feed_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/nexway-go/nexway/feed"
)

// Yesterday's file, kept on disk, made into the index to compare today's
// feed with.
func ExampleBuildIndex() {
	x, err := feed.BuildIndex(feed.Decode(strings.NewReader("Product ID,Name\n733551,Antivirus\n733552,Suite\n"), nil))
	if err != nil {
		log.Fatal(err) // the file is not a readable feed
	}
	fmt.Println(x.Len(), "products")
	// Output: 2 products
}

func ExampleParseDecimal() {
	for _, s := range []string{"19.99", "19,99", "-0.5", "1e3"} {
		d, err := feed.ParseDecimal(s)
		fmt.Println(d, err)
	}
	// Output:
	// 19.99 <nil>
	// 19.99 <nil>
	// -0.5 <nil>
	// 0 not a decimal number
}

func ExampleDecimal_String() {
	fmt.Println(feed.Decimal{Units: 1999, Scale: 2}, feed.Decimal{Units: -5, Scale: 2}, feed.Decimal{Units: 7})
	// Output: 19.99 -0.05 7
}

func ExampleDecimal_Cmp() {
	a, _ := feed.ParseDecimal("1.50")
	b, _ := feed.ParseDecimal("1.5")
	c, _ := feed.ParseDecimal("2")
	fmt.Println(a.Cmp(b), a.Cmp(c), c.Cmp(a))
	// Output: 0 -1 1
}

// Prices in cents, for a shop that stores integers.
func ExampleDecimal_Minor() {
	price, _ := feed.ParseDecimal("19.9")
	cents, ok := price.Minor(2)
	fmt.Println(cents, ok)
	odd, _ := feed.ParseDecimal("0.125")
	_, ok = odd.Minor(2)
	fmt.Println(ok)
	// Output:
	// 1990 true
	// false
}

// A Decimal is a JSON string, so that no cent goes through a float.
func ExampleDecimal_MarshalText() {
	b, err := json.Marshal(struct{ Price feed.Decimal }{feed.Decimal{Units: 1999, Scale: 2}})
	fmt.Println(string(b), err)
	// Output: {"Price":"19.99"} <nil>
}

func ExampleDecimal_UnmarshalText() {
	var v struct{ Price feed.Decimal }
	err := json.Unmarshal([]byte(`{"Price":"39.90"}`), &v)
	fmt.Println(v.Price, err)
	// Output: 39.90 <nil>
}

// A row error names the line and the column, never the value.
func ExampleError() {
	for _, err := range feed.Decode(strings.NewReader("Product ID,Number of users\n733551,many\n"), nil) {
		var fe *feed.Error
		if errors.As(err, &fe) {
			fmt.Println(fe.Line, fe.Column)
		}
	}
	// Output: 2 Number of users
}

func ExampleError_Error() {
	for _, err := range feed.Decode(strings.NewReader("Product ID,Number of users\n733551,many\n"), nil) {
		fmt.Println(err)
	}
	// Output: nexway: feed line 2, column "Number of users": not an integer
}

// A row error lets the loop go on; any other error ends the feed.
func ExampleError_Is() {
	for _, err := range feed.Decode(strings.NewReader("<html><body>Maintenance</body></html>"), nil) {
		fmt.Println(errors.Is(err, feed.ErrInvalidFeed), errors.Is(err, feed.ErrRow))
	}
	// Output: true false
}

// The reader's own error, here a cancelled download, stays reachable.
func ExampleError_Unwrap() {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, err := range feed.Decode(ctxReader{ctx}, nil) {
		fmt.Println(errors.Is(err, context.Canceled))
	}
	// Output: true
}

// ctxReader fails with its context's error.
type ctxReader struct{ ctx context.Context }

func (r ctxReader) Read([]byte) (int, error) { return 0, r.ctx.Err() }

func ExampleFormat_String() {
	fmt.Println(feed.Auto, feed.CSV, feed.XML)
	// Output: auto CSV XML
}

func ExampleChangeKind_String() {
	fmt.Println(feed.Added, feed.Changed, feed.Withdrawn)
	// Output: added changed withdrawn
}

func ExampleProductType_String() {
	fmt.Println(feed.ForSale, feed.Freeware, feed.Shareware, feed.ProductType(9))
	// Output: for sale freeware shareware 9
}

// A storefront that keeps each product's hash in its own database builds
// the index from there instead of from yesterday's file.
func ExampleIndex_Add() {
	var x feed.Index
	x.Add(733551, 0x1f) // a hash of 0 would mean "unknown": reported as changed
	x.Add(733552, 0x2e)
	fmt.Println(x.Len())
	// Output: 2
}

func ExampleIndex_Len() {
	var x feed.Index
	x.Add(733551, 1)
	x.Add(733551, 2) // the same ref again replaces its hash
	fmt.Println(x.Len())
	// Output: 1
}

func ExampleIndex_Lookup() {
	var x feed.Index
	x.Add(733551, 42)
	h, ok := x.Lookup(733551)
	_, missing := x.Lookup(1)
	fmt.Println(h, ok, missing)
	// Output: 42 true false
}

func ExampleIndex_All() {
	var x feed.Index
	x.Add(733552, 2)
	x.Add(733551, 1)
	for ref, h := range x.All() {
		fmt.Println(ref, h)
	}
	// Output:
	// 733551 1
	// 733552 2
}

// Today's index, saved for tomorrow's comparison.
func ExampleIndex_WriteTo() {
	var x feed.Index
	x.Add(733551, 1)
	x.Add(733552, 2)
	var file bytes.Buffer
	if _, err := x.WriteTo(&file); err != nil {
		log.Fatal(err)
	}
	fmt.Println(file.Len() > 0)
	// Output: true
}

func ExampleIndex_ReadFrom() {
	var saved feed.Index
	saved.Add(733551, 1)
	var file bytes.Buffer
	_, _ = saved.WriteTo(&file)

	var x feed.Index
	if _, err := x.ReadFrom(&file); err != nil {
		log.Fatal(err) // a damaged file: compare against nothing rather than withdraw
	}
	fmt.Println(x.Len())
	// Output: 1
}

// The hash tells a changed product from an unchanged one: every field but
// the line counts.
func ExampleProduct_Hash() {
	a := feed.Product{ProductRef: 733551, Name: "Antivirus", Line: 2}
	b := a
	b.Line = 9
	c := a
	c.Name = "Antivirus 2027"
	fmt.Println(a.Hash() == b.Hash(), a.Hash() == c.Hash())
	// Output: true false
}

func ExampleProduct_Description() {
	p := feed.Product{Descriptions: []feed.Description{
		{Language: "EN", Short: "Antivirus"},
		{Language: "FR", Short: "Antivirus (FR)"},
	}}
	fmt.Println(p.Description("fr").Short)
	fmt.Printf("%q\n", p.Description("DE").Short) // no such language, no fallback
	// Output:
	// Antivirus (FR)
	// ""
}
