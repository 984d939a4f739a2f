package feed

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"errors"
	"io"
	"iter"
	"slices"

	"github.com/nexway-go/nexway"
)

// Index is the summary of a feed snapshot that comparing it with the
// next one needs: each product's ref and a hash of its content, 16 bytes
// a product, not the products themselves. Build it with BuildIndex, with
// Add (for instance from the refs and hashes a storefront keeps), or as a
// by-product of Compare; keep it between daily runs with WriteTo and
// ReadFrom. The zero value is an empty index. A Index is not safe for
// concurrent use.
type Index struct {
	entries []feedEntry
	sorted  bool // entries are sorted by ref, without duplicates
}

type feedEntry struct {
	ref  nexway.ProductRef
	hash uint64
}

// Add records ref with hash, replacing an earlier hash of ref. A hash of 0
// stands for "unknown": Compare reports the product as changed.
func (x *Index) Add(ref nexway.ProductRef, hash uint64) {
	x.entries = append(x.entries, feedEntry{ref, hash})
	x.sorted = false
}

// Len returns the number of products in the index.
func (x *Index) Len() int {
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
	slices.SortStableFunc(x.entries, func(a, b feedEntry) int { return cmp.Compare(a.ref, b.ref) })
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
	x.seal()
	return slices.BinarySearchFunc(x.entries, ref, func(e feedEntry, ref nexway.ProductRef) int { return cmp.Compare(e.ref, ref) })
}

// BuildIndex reads a whole feed into an index, for instance yesterday's
// file. A row that could not be decoded fully is indexed when its ref
// could (its hash then differs from a good row's, so the product will
// count as changed); any other error ends indexing and is returned.
func BuildIndex(products iter.Seq2[Product, error]) (*Index, error) {
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

// ChangeKind says how a product changed between two snapshots.
type ChangeKind int

// Kinds of change. The zero value goes with an error.
const (
	Added     ChangeKind = iota + 1 // in today's feed only
	Changed                         // in both, with another content
	Withdrawn                       // no longer in today's feed
)

// String returns "added", "changed" or "withdrawn".
func (k ChangeKind) String() string {
	switch k {
	case Added:
		return "added"
	case Changed:
		return "changed"
	case Withdrawn:
		return "withdrawn"
	}
	return "none"
}

// Change is one difference between two snapshots of the feed.
type Change struct {
	Kind ChangeKind
	Ref  nexway.ProductRef
	// Product is today's product, for Added and Changed.
	Product Product
}

// Compare streams today's feed against x, the index of the previous
// snapshot (or of the products a storefront holds). It yields each
// product added or changed, as it comes, then each ref withdrawn, in
// ascending order; unchanged products are not yielded. When next is not
// nil, every product of today's feed is added to it, ready to be saved
// for tomorrow's comparison.
//
// Nexway drops products from the feed when they end their life or run out
// of stock; a product missing from the daily snapshot is to be withdrawn
// from sale. So withdrawals are yielded only once today's feed has been
// read to its end: an error that ends it (a download cut short, ErrInvalidFeed)
// is the last value, and nothing is reported withdrawn, since a feed cut
// in half would otherwise withdraw half the catalog. A row error
// (ErrRow) is yielded with the product's ref and goes on; that product
// does not count as withdrawn.
func (x *Index) Compare(today iter.Seq2[Product, error], next *Index) iter.Seq2[Change, error] {
	return func(yield func(Change, error) bool) {
		x.seal()
		seen := make([]uint64, (len(x.entries)+63)/64)
		mark := func(ref nexway.ProductRef) (feedEntry, bool) {
			i, ok := x.find(ref)
			if !ok {
				return feedEntry{}, false
			}
			seen[i/64] |= 1 << (i % 64)
			return x.entries[i], true
		}
		for p, err := range today {
			if err != nil {
				if !errors.Is(err, ErrRow) {
					yield(Change{}, err)
					return
				}
				if p.ProductRef != 0 {
					if old, ok := mark(p.ProductRef); ok && next != nil {
						next.Add(p.ProductRef, old.hash) // judge it again tomorrow
					}
				}
				if !yield(Change{Ref: p.ProductRef, Product: p}, err) {
					return
				}
				continue
			}
			h := p.Hash()
			if next != nil {
				next.Add(p.ProductRef, h)
			}
			kind := Added
			if old, ok := mark(p.ProductRef); ok {
				if old.hash == h {
					continue
				}
				kind = Changed
			}
			if !yield(Change{Kind: kind, Ref: p.ProductRef, Product: p}, nil) {
				return
			}
		}
		for i, e := range x.entries {
			if seen[i/64]&(1<<(i%64)) == 0 {
				if !yield(Change{Kind: Withdrawn, Ref: e.ref}, nil) {
					return
				}
			}
		}
	}
}

// indexMagic starts a saved Index: a name and a format version.
const indexMagic = "NXFIDX\x00\x01"

// WriteTo writes the index in a compact binary form that ReadFrom reads.
func (x *Index) WriteTo(w io.Writer) (int64, error) {
	x.seal()
	bw := bufio.NewWriter(w)
	var n int64
	var buf [16]byte
	k, _ := bw.WriteString(indexMagic)
	n += int64(k)
	binary.LittleEndian.PutUint64(buf[:8], uint64(len(x.entries)))
	k, _ = bw.Write(buf[:8])
	n += int64(k)
	for _, e := range x.entries {
		binary.LittleEndian.PutUint64(buf[:8], uint64(e.ref))
		binary.LittleEndian.PutUint64(buf[8:], e.hash)
		k, _ = bw.Write(buf[:])
		n += int64(k)
	}
	// bufio keeps the first write error and returns it here.
	return n, bw.Flush()
}

var errIndexFormat = errors.New("nexway: not a saved Index, or a damaged one")

// ReadFrom replaces the index with one written by WriteTo. A damaged or
// foreign input fails with an error and leaves the index empty.
func (x *Index) ReadFrom(r io.Reader) (int64, error) {
	x.entries, x.sorted = nil, true
	br := bufio.NewReader(r)
	var n int64
	var head [len(indexMagic) + 8]byte
	k, err := io.ReadFull(br, head[:])
	n += int64(k)
	if err != nil || string(head[:len(indexMagic)]) != indexMagic {
		return n, readFailure(err)
	}
	count := binary.LittleEndian.Uint64(head[len(indexMagic):])
	// The count is not trusted for the allocation: a damaged file must not
	// make it huge.
	entries := make([]feedEntry, 0, min(count, 1<<16))
	var buf [16]byte
	for i := uint64(0); i < count; i++ {
		k, err = io.ReadFull(br, buf[:])
		n += int64(k)
		if err != nil {
			return n, readFailure(err)
		}
		entries = append(entries, feedEntry{nexway.ProductRef(binary.LittleEndian.Uint64(buf[:8])), binary.LittleEndian.Uint64(buf[8:])})
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return n, readFailure(err)
	}
	x.entries, x.sorted = entries, false
	x.seal()
	return n, nil
}

// readFailure keeps a reader's own error, and calls a short or foreign
// input a format error.
func readFailure(err error) error {
	if err == nil || err == io.EOF || err == io.ErrUnexpectedEOF {
		return errIndexFormat
	}
	return err
}

// Hash returns a digest of the product's content: every field but Line,
// Extra in any order. It is the same across runs and processes, so that an
// index saved yesterday compares with today's feed; a new version of this
// package may change it, which makes every product count as changed once.
// It is never 0.
func (p *Product) Hash() uint64 {
	h := newHash()
	h.int(int64(p.ProductRef))
	for _, s := range [...]string{p.PublisherID, p.PublisherName, p.Name, p.Misc, p.CreationDate,
		p.LicenseLifetime, p.Keywords, p.Version, p.EAN, p.ReleaseDate} {
		h.str(s)
	}
	h.int(int64(p.Users))
	h.int(int64(p.Type))
	h.decimal(p.TotalSize)
	h.int(int64(len(p.Descriptions)))
	for _, d := range p.Descriptions {
		h.str(d.Language)
		h.str(d.Short)
		h.str(d.Long)
	}
	h.strs(p.Languages)
	for _, s := range [...]string{p.SmallImage, p.MediumImage, p.BigImage} {
		h.str(s)
	}
	h.strs(p.Screenshots)
	h.ints(p.Categories)
	h.decimal(p.Price)
	h.decimal(p.PublicPrice)
	h.str(p.Currency)
	h.decimal(p.RetailerPrice)
	for _, s := range [...]string{p.RetailerCurrency, p.Memory, p.DiskSpace} {
		h.str(s)
	}
	h.ints(p.OperatingSystems)
	h.str(p.DRM)
	if p.DigitalLocker {
		h.int(1)
	} else {
		h.int(0)
	}
	// Extra in any order: a sum of per-entry digests.
	var extra uint64
	for k, v := range p.Extra {
		e := newHash()
		e.str(k)
		e.str(v)
		extra += e.sum()
	}
	h.int(int64(extra))
	h.int(int64(len(p.Extra)))
	h.raw(p.Raw)
	if s := h.sum(); s != 0 {
		return s
	}
	return 1
}

// contentHash is FNV-1a, 64 bits, with every value length-prefixed so that
// ("ab", "c") and ("a", "bc") differ.
type contentHash uint64

func newHash() contentHash { return 14695981039346656037 }

func (h *contentHash) byte(b byte) { *h = (*h ^ contentHash(b)) * 1099511628211 }

func (h *contentHash) int(v int64) {
	for i := 0; i < 64; i += 8 {
		h.byte(byte(v >> i))
	}
}

func (h *contentHash) str(s string) { hashText(h, s) }

func (h *contentHash) raw(b []byte) { hashText(h, b) }

func hashText[T string | []byte](h *contentHash, s T) {
	h.int(int64(len(s)))
	for i := 0; i < len(s); i++ {
		h.byte(s[i])
	}
}

func (h *contentHash) strs(v []string) {
	h.int(int64(len(v)))
	for _, s := range v {
		h.str(s)
	}
}

func (h *contentHash) ints(v []int) {
	h.int(int64(len(v)))
	for _, n := range v {
		h.int(int64(n))
	}
}

func (h *contentHash) decimal(d *Decimal) {
	if d == nil {
		h.int(-1)
		return
	}
	h.int(d.Units)
	h.int(int64(d.Scale))
}

func (h *contentHash) sum() uint64 { return uint64(*h) }
