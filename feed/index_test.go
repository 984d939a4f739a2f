package feed

import (
	"bytes"
	"errors"
	"io"
	"iter"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/nexway-go/nexway/internal/feedgen"

	"github.com/nexway-go/nexway"
)

// day1 has refs 100000 to 100999. day2 drops the first ten, adds ten new
// ones at the end, and raises the price of every ref divisible by 97.
var (
	day1 = feedgen.Config{Count: 1000, Seed: 5}
	day2 = feedgen.Config{Count: 1000, Seed: 5, Product: func(i int, p *feedgen.Product) {
		feedgen.Synthetic(5, i+10, p)
		if p.Ref%97 == 0 {
			p.Price++
		}
	}}
)

func index(t *testing.T, cfg feedgen.Config) *Index {
	t.Helper()
	x, err := BuildIndex(Decode(feedgen.New(cfg), nil))
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestCompareSnapshots(t *testing.T) {
	old := index(t, day1)
	next := new(Index)
	got := map[ChangeKind][]nexway.ProductRef{}
	for ch, err := range old.Compare(Decode(feedgen.New(day2), nil), next) {
		if err != nil {
			t.Fatal(err)
		}
		if (ch.Kind == Withdrawn) != (ch.Product.ProductRef == 0) || (ch.Kind != Withdrawn && ch.Product.ProductRef != ch.Ref) {
			t.Fatalf("%v %d comes with product %d", ch.Kind, ch.Ref, ch.Product.ProductRef)
		}
		got[ch.Kind] = append(got[ch.Kind], ch.Ref)
	}
	var want [4][]nexway.ProductRef
	for ref := nexway.ProductRef(100000); ref < 101010; ref++ {
		switch {
		case ref < 100010:
			want[Withdrawn] = append(want[Withdrawn], ref)
		case ref >= 101000:
			want[Added] = append(want[Added], ref)
		case ref%97 == 0:
			want[Changed] = append(want[Changed], ref)
		}
	}
	for _, k := range []ChangeKind{Added, Changed, Withdrawn} {
		if !slices.Equal(got[k], want[k]) {
			t.Errorf("%v: %v, want %v", k, got[k], want[k])
		}
	}
	// next is today's index, ready for tomorrow.
	if today := index(t, day2); !slices.Equal(next.entries, today.entries) || next.Len() != 1000 {
		t.Fatalf("next has %d entries, not today's index", next.Len())
	}
}

// A feed cut short withdraws nothing: the error is the last value.
func TestCompareCutFeedWithdrawsNothing(t *testing.T) {
	old := index(t, day1)
	feed := io.LimitReader(feedgen.New(day2), 500<<10) // about half
	var kinds []ChangeKind
	var last error
	for ch, err := range old.Compare(Decode(feed, nil), nil) {
		kinds = append(kinds, ch.Kind)
		last = err
	}
	if slices.Contains(kinds, Withdrawn) || last == nil || errors.Is(last, ErrRow) {
		t.Fatalf("kinds %v, last error %v", kinds, last)
	}
}

// A row that fails to decode is yielded with its error and its product
// is not withdrawn; the comparison goes on.
func TestCompareRowError(t *testing.T) {
	var old Index
	old.Add(1, 11)
	old.Add(2, 22)
	old.Add(3, 33)
	feed := "Product ID,Name,Price wo.VAT\n1,a,bad\n4,d,1\n"
	var got []string
	for ch, err := range old.Compare(Decode(strings.NewReader(feed), nil), nil) {
		s := ch.Kind.String()
		if err != nil {
			s = "error"
		}
		got = append(got, s+" "+string(rune('0'+ch.Ref)))
	}
	if want := []string{"error 1", "added 4", "withdrawn 2", "withdrawn 3"}; !slices.Equal(got, want) {
		t.Fatalf("%q, want %q", got, want)
	}
}

// Refs a storefront holds, without hashes: present ones count as changed.
func TestCompareWithStoredRefs(t *testing.T) {
	var held Index
	for _, ref := range []nexway.ProductRef{100001, 100002, 5} {
		held.Add(ref, 0)
	}
	counts := map[ChangeKind]int{}
	products := Decode(feedgen.New(feedgen.Config{Count: 3, Seed: 1}), nil)
	for ch, err := range held.Compare(products, nil) {
		if err != nil {
			t.Fatal(err)
		}
		counts[ch.Kind]++
	}
	if want := map[ChangeKind]int{Added: 1, Changed: 2, Withdrawn: 1}; !maps.Equal(counts, want) {
		t.Fatalf("%v, want %v", counts, want)
	}
}

func TestCompareStopsEarly(t *testing.T) {
	old := index(t, day1)
	n := 0
	for range old.Compare(Decode(feedgen.New(day2), nil), nil) {
		if n++; n == 3 {
			break
		}
	}
	if n != 3 {
		t.Fatal(n)
	}
}

func TestFeedIndexAddLookup(t *testing.T) {
	var x Index
	x.Add(3, 30)
	x.Add(1, 10)
	x.Add(3, 31)
	if h, ok := x.Lookup(3); !ok || h != 31 || x.Len() != 2 {
		t.Fatalf("Lookup(3) = %d, %v; Len %d", h, ok, x.Len())
	}
	if _, ok := x.Lookup(2); ok {
		t.Fatal("found 2")
	}
	var refs []nexway.ProductRef
	for ref := range x.All() {
		refs = append(refs, ref)
	}
	if !slices.Equal(refs, []nexway.ProductRef{1, 3}) {
		t.Fatal(refs)
	}
}

func TestFeedIndexSaveAndLoad(t *testing.T) {
	x := index(t, day1)
	var buf bytes.Buffer
	n, err := x.WriteTo(&buf)
	if err != nil || n != int64(buf.Len()) || n != int64(len(indexMagic)+8+16*1000) {
		t.Fatalf("%d bytes, %v", n, err)
	}
	saved := buf.Bytes()
	var y Index
	if n, err := y.ReadFrom(bytes.NewReader(saved)); err != nil || n != int64(len(saved)) || !slices.Equal(x.entries, y.entries) {
		t.Fatalf("%d, %v", n, err)
	}
	boom := errors.New("disk error")
	for name, r := range map[string]io.Reader{
		"empty":          strings.NewReader(""),
		"foreign":        strings.NewReader("Product ID,Name\n1,a\n"),
		"truncated":      bytes.NewReader(saved[:len(saved)-3]),
		"trailing bytes": io.MultiReader(bytes.NewReader(saved), strings.NewReader("x")),
		"reader error":   io.MultiReader(bytes.NewReader(saved[:100]), iotest.ErrReader(boom)),
	} {
		y.Add(1, 1)
		_, err := y.ReadFrom(r)
		if err == nil || y.Len() != 0 || (name == "reader error") != errors.Is(err, boom) {
			t.Errorf("%s: %v, %d entries", name, err, y.Len())
		}
	}
	if _, err := x.WriteTo(iotest.TruncateWriter(io.Discard, 0)); err != nil {
		t.Fatal(err) // a writer that swallows everything but reports success
	}
	if _, err := x.WriteTo(errWriter{boom}); !errors.Is(err, boom) {
		t.Fatalf("write error: %v", err)
	}
}

type errWriter struct{ err error }

func (w errWriter) Write([]byte) (int, error) { return 0, w.err }

func TestIndexFeedErrors(t *testing.T) {
	if _, err := BuildIndex(Decode(strings.NewReader(""), nil)); !errors.Is(err, ErrInvalidFeed) {
		t.Fatalf("empty feed: %v", err)
	}
	x, err := BuildIndex(Decode(strings.NewReader("Product ID,Price wo.VAT\n1,x\n,2\n3,4\n"), nil))
	if err != nil || x.Len() != 2 {
		t.Fatalf("%v, %d entries", err, x.Len())
	}
}

// Every field counts in the hash; Line and the order of Extra do not.
func TestFeedProductHash(t *testing.T) {
	base := Product{ProductRef: 1}
	seen := map[uint64]string{base.Hash(): "base"}
	v := reflect.ValueOf(&base).Elem()
	for i := 0; i < v.NumField(); i++ {
		name := v.Type().Field(i).Name
		if name == "Line" {
			continue
		}
		p := base
		f := reflect.ValueOf(&p).Elem().Field(i)
		switch f.Interface().(type) {
		case string:
			f.SetString("x")
		case int, ProductType:
			f.SetInt(2)
		case nexway.ProductRef:
			f.SetInt(2)
		case bool:
			f.SetBool(true)
		case *Decimal:
			f.Set(reflect.ValueOf(&Decimal{}))
		case []string:
			f.Set(reflect.ValueOf([]string{""}))
		case []int:
			f.Set(reflect.ValueOf([]int{0}))
		case []Description:
			f.Set(reflect.ValueOf([]Description{{}}))
		case map[string]string:
			f.Set(reflect.ValueOf(map[string]string{"": ""}))
		case []byte:
			f.Set(reflect.ValueOf([]byte{0}))
		default:
			t.Fatalf("field %s of an unhandled type", name)
		}
		h := p.Hash()
		if other, dup := seen[h]; dup {
			t.Errorf("changing %s gives the hash of %s", name, other)
		}
		seen[h] = name
	}
	a := Product{Line: 1, Extra: map[string]string{"a": "1", "b": "2"}}
	b := Product{Line: 2, Extra: map[string]string{"b": "2", "a": "1"}}
	if a.Hash() != b.Hash() {
		t.Error("Line or the order of Extra changes the hash")
	}
	// The digest is saved between runs; it must not change by accident.
	if got := (&Product{ProductRef: 733551, Name: "Total Security", Price: &Decimal{1999, 2}}).Hash(); got != 0x5c2d98723bd125ec {
		t.Errorf("the hash of a fixed product changed: %#x", got)
	}
}

// seq turns a slice into a product sequence.
func seq(ps ...Product) iter.Seq2[Product, error] {
	return func(yield func(Product, error) bool) {
		for _, p := range ps {
			if !yield(p, nil) {
				return
			}
		}
	}
}

func TestIndexFeedDuplicateRefs(t *testing.T) {
	x, err := BuildIndex(seq(Product{ProductRef: 1, Name: "a"}, Product{ProductRef: 1, Name: "b"}))
	if h, _ := x.Lookup(1); err != nil || x.Len() != 1 || h != (&Product{ProductRef: 1, Name: "b"}).Hash() {
		t.Fatalf("%v, %d entries", err, x.Len())
	}
}

// FuzzFeedIndexReadFrom: no input panics ReadFrom, and what it accepts
// writes and reads back to the same index.
func FuzzFeedIndexReadFrom(f *testing.F) {
	var x Index
	x.Add(3, 30)
	x.Add(1, 10)
	var buf bytes.Buffer
	_, _ = x.WriteTo(&buf)
	f.Add(buf.Bytes())
	f.Add([]byte(indexMagic + "\xff\xff\xff\xff\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var x Index
		if _, err := x.ReadFrom(bytes.NewReader(data)); err != nil {
			if x.Len() != 0 {
				t.Fatal("a failed read left entries")
			}
			return
		}
		var buf bytes.Buffer
		if _, err := x.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		var y Index
		if _, err := y.ReadFrom(&buf); err != nil || !slices.Equal(x.entries, y.entries) {
			t.Fatalf("round trip: %v", err)
		}
	})
}
