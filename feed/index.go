package feed

import (
	"cmp"
	"errors"
	"iter"
	"slices"

	"github.com/nexway-go/nexway"
)

// Index is the summary of a feed snapshot that comparing it with the
// next one needs: each product's ref and a hash of its content, 16 bytes
// a product, not the products themselves. Build it with BuildIndex, with
// Add (for instance from the refs and hashes a storefront keeps), or as a
// by-product of Compare; keep it between daily runs with WriteTo and
// ReadFrom. The zero value is an empty index. An Index is not safe for
// concurrent use.
type Index struct {
	entries []entry
	sorted  bool // entries are sorted by ref, without duplicates
}

type entry struct {
	ref  nexway.ProductRef
	hash uint64
}

// Add records ref with hash, replacing an earlier hash of ref. A hash of 0
// stands for "unknown": Compare reports the product as changed.
func (x *Index) Add(ref nexway.ProductRef, hash uint64) {
	x.entries = append(x.entries, entry{ref, hash})
	x.sorted = false
}

// Len returns the number of products in the index.
func (x *Index) Len() int {
	if x == nil {
		return 0
	}
	x.seal()
	return len(x.entries)
}

// Lookup returns the hash recorded for ref.
func (x *Index) Lookup(ref nexway.ProductRef) (hash uint64, ok bool) {
	i, ok := x.find(ref)
	if !ok {
		return 0, false
	}
	return x.entries[i].hash, true
}

// All yields the refs and hashes in ascending ref order.
func (x *Index) All() iter.Seq2[nexway.ProductRef, uint64] {
	return func(yield func(nexway.ProductRef, uint64) bool) {
		if x == nil {
			return
		}
		x.seal()
		for _, e := range x.entries {
			if !yield(e.ref, e.hash) {
				return
			}
		}
	}
}

// seal sorts the entries by ref, keeping the last hash added for a ref.
func (x *Index) seal() {
	if x.sorted {
		return
	}
	slices.SortStableFunc(x.entries, func(a, b entry) int { return cmp.Compare(a.ref, b.ref) })
	out := x.entries[:0]
	for i, e := range x.entries {
		if i+1 < len(x.entries) && x.entries[i+1].ref == e.ref {
			continue
		}
		out = append(out, e)
	}
	x.entries = slices.Clip(out)
	x.sorted = true
}

func (x *Index) find(ref nexway.ProductRef) (int, bool) {
	if x == nil {
		return 0, false
	}
	x.seal()
	return slices.BinarySearchFunc(x.entries, ref, func(e entry, ref nexway.ProductRef) int { return cmp.Compare(e.ref, ref) })
}

// BuildIndex reads a whole feed into an index, for instance yesterday's
// file. A row that could not be decoded fully is indexed when its ref
// could (its hash then differs from a good row's, so the product will
// count as changed); any other error ends indexing and is returned.
func BuildIndex(products iter.Seq2[Product, error]) (*Index, error) {
	if products == nil {
		return nil, invalid("products", "needs a sequence of products")
	}
	x := new(Index)
	for p, err := range products {
		if err != nil && !errors.Is(err, ErrRow) {
			return nil, err
		}
		if p.ProductRef != 0 {
			x.Add(p.ProductRef, p.Hash())
		}
	}
	x.seal()
	return x, nil
}
