package feed

import (
	"errors"
	"fmt"
	"iter"
	"math"
	"strconv"

	"github.com/nexway-go/nexway"
)

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
	// Kind is Added, Changed or Withdrawn; 0 when the value comes with an
	// error.
	Kind ChangeKind
	// Ref is the product's ref; with a row error, the row's ref when it
	// could be read, else 0.
	Ref nexway.ProductRef
	// Product is today's product, for Added and Changed, and as far as it
	// was decoded with a row error.
	Product Product
}

// DefaultMaxWithdrawn is the share of the previous index that one
// comparison may withdraw when CompareOptions.MaxWithdrawn is 0.
const DefaultMaxWithdrawn = 0.2

// CompareOptions tunes Index.Compare.
type CompareOptions struct {
	// MaxWithdrawn is the largest share of the previous index that one
	// comparison may withdraw, from 0 to 1: 0 means DefaultMaxWithdrawn;
	// 1 lets a feed withdraw everything, an empty feed included. A shop
	// that truly delists much of its catalog at once raises it for that
	// run.
	MaxWithdrawn float64
}

// check refuses options that cannot work, naming the field.
func (o *CompareOptions) check() error {
	if math.IsNaN(o.MaxWithdrawn) || o.MaxWithdrawn < 0 || o.MaxWithdrawn > 1 {
		return invalid("CompareOptions.MaxWithdrawn", "must be a share from 0 to 1")
	}
	return nil
}

// limit is how many of previous products may be withdrawn.
func (o *CompareOptions) limit(previous int) int {
	share := o.MaxWithdrawn
	if share == 0 {
		share = DefaultMaxWithdrawn
	}
	// The epsilon keeps 0.29 × 100 from flooring to 28.
	return min(previous, int(math.Floor(share*float64(previous)+1e-9)))
}

// Errors that end a comparison without withdrawing anything, matched with
// errors.Is.
var (
	// ErrIncomplete: today's feed had rows whose ref could not be read
	// (*IncompleteError), so whether it omits a product is unknown.
	ErrIncomplete = errors.New("feed: comparison incomplete, nothing withdrawn")
	// ErrMassWithdrawal: today's feed would withdraw more than
	// CompareOptions.MaxWithdrawn allows (*MassWithdrawalError).
	ErrMassWithdrawal = errors.New("feed: too many products would be withdrawn, nothing withdrawn")
)

// IncompleteError ends a comparison whose feed had rows without a
// readable ref: any of them may be a product of the previous index, so no
// product is reported withdrawn.
type IncompleteError struct {
	// Lines are the lines of the rows without a readable ref, the first
	// 100 of them.
	Lines []int
	// Rows is how many rows had no readable ref.
	Rows int
}

// maxIncompleteLines bounds IncompleteError.Lines, whatever the feed.
const maxIncompleteLines = 100

// Error says how many rows and where, never what they hold.
func (e *IncompleteError) Error() string {
	msg := "feed: " + strconv.Itoa(e.Rows) + " row(s) without a readable Product ID"
	if len(e.Lines) > 0 {
		msg += " (first at line " + strconv.Itoa(e.Lines[0]) + ")"
	}
	return msg + ": comparison incomplete, nothing withdrawn"
}

// Is reports whether target is ErrIncomplete.
func (e *IncompleteError) Is(target error) bool { return target == ErrIncomplete }

// MassWithdrawalError ends a comparison that would withdraw more products
// than CompareOptions.MaxWithdrawn allows: an empty or truncated feed that
// still looked whole, or a feed of another product list.
type MassWithdrawalError struct {
	Withdrawn int // products today's feed omits
	Previous  int // products in the previous index
	Limit     int // the most that may be withdrawn
}

// Error says how many would go.
func (e *MassWithdrawalError) Error() string {
	return fmt.Sprintf("feed: today's feed would withdraw %d of %d products, more than the %d allowed (CompareOptions.MaxWithdrawn): nothing withdrawn",
		e.Withdrawn, e.Previous, e.Limit)
}

// Is reports whether target is ErrMassWithdrawal.
func (e *MassWithdrawalError) Is(target error) bool { return target == ErrMassWithdrawal }

// Compare streams today's feed against x, the index of the previous
// snapshot (or of the products a storefront holds). It yields each
// product added or changed, as it comes, then each ref withdrawn, in
// ascending order; unchanged products are not yielded. When next is not
// nil, every product of today's feed is added to it, ready to be saved
// for tomorrow's comparison. opts may be nil.
//
// Nexway drops products from the feed when they end their life or run
// out of stock; a product missing from the daily snapshot is to be
// withdrawn from sale. So a product is reported withdrawn only when
// today's feed positively omits it: the feed was read to its end, every
// row's ref could be read, and the withdrawals stay within the bound.
// Otherwise the last value is an error and nothing is withdrawn:
//   - an error that ends the feed (a download cut short, ErrInvalidFeed)
//     is yielded as it is;
//   - rows without a readable ref give an *IncompleteError (ErrIncomplete)
//     once the feed has been read;
//   - more withdrawals than CompareOptions.MaxWithdrawn allows (by default
//     20% of x; an empty feed withdraws all of it) give a
//     *MassWithdrawalError (ErrMassWithdrawal).
//
// A row error (ErrRow) whose ref could be read is yielded with that ref
// and goes on; that product is never withdrawn, and next keeps its
// previous hash, so that it is judged again tomorrow. A ref on two rows
// decoded whole is ambiguous (which price holds?): the first row stands and
// each later one is a row error with that ref. Catching those costs a set
// of the refs not in x while Compare runs, about 50 bytes each (a first
// run against an empty index: 5 MB for 100,000 products). When nothing is
// withdrawn because of an error, next also keeps the products of x that
// today's feed did not show, so that saving it forgets none of them.
// Invalid options, a nil today, or next being x give a
// *nexway.ArgumentError before today is read. A nil x is an empty index.
func (x *Index) Compare(today iter.Seq2[Product, error], next *Index, opts *CompareOptions) iter.Seq2[Change, error] {
	return func(yield func(Change, error) bool) {
		var o CompareOptions
		if opts != nil {
			o = *opts
		}
		if err := o.check(); err != nil {
			yield(Change{}, err)
			return
		}
		switch {
		case today == nil:
			yield(Change{}, invalid("today", "needs a sequence of products"))
			return
		case next != nil && next == x:
			yield(Change{}, invalid("next", "must not be the index compared against"))
			return
		}
		if x == nil {
			x = new(Index) // a nil index is empty
		}
		x.seal()
		seen := make([]uint64, (len(x.entries)+63)/64)
		shown := 0
		mark := func(ref nexway.ProductRef) (entry, int, bool) {
			i, ok := x.find(ref)
			if !ok {
				return entry{}, -1, false
			}
			if seen[i/64]&(1<<(i%64)) == 0 {
				seen[i/64] |= 1 << (i % 64)
				shown++
			}
			return x.entries[i], i, true
		}
		// Refs of the rows decoded whole so far, to catch a ref given twice:
		// a bit per product of x, a set of the others.
		whole := make([]uint64, len(seen))
		fresh := map[nexway.ProductRef]struct{}{}
		again := func(ref nexway.ProductRef, i int) bool {
			if i < 0 {
				_, dup := fresh[ref]
				fresh[ref] = struct{}{}
				return dup
			}
			dup := whole[i/64]&(1<<(i%64)) != 0
			whole[i/64] |= 1 << (i % 64)
			return dup
		}
		// keepUnseen carries what today's feed did not show into next.
		keepUnseen := func() {
			if next == nil {
				return
			}
			for i, e := range x.entries {
				if seen[i/64]&(1<<(i%64)) == 0 {
					next.Add(e.ref, e.hash)
				}
			}
		}
		var incomplete IncompleteError
		for p, err := range today {
			if err != nil && !errors.Is(err, ErrRow) {
				keepUnseen()
				yield(Change{}, err)
				return
			}
			if p.ProductRef <= 0 {
				// No ref: it may be any product of x.
				incomplete.Rows++
				if len(incomplete.Lines) < maxIncompleteLines {
					incomplete.Lines = append(incomplete.Lines, p.Line)
				}
				if err == nil {
					err = &Error{Line: p.Line, Column: "Product ID", kind: ErrRow, Err: errors.New("no product ref")}
				}
				if !yield(Change{Product: p}, err) {
					return
				}
				continue
			}
			old, i, ok := mark(p.ProductRef)
			if err != nil {
				if ok && next != nil {
					next.Add(p.ProductRef, old.hash) // judge it again tomorrow
				}
				if !yield(Change{Ref: p.ProductRef, Product: p}, err) {
					return
				}
				continue
			}
			if again(p.ProductRef, i) {
				// Which row holds the product (its price) is unknown: the
				// first stands, the others are row errors.
				err = &Error{Line: p.Line, Column: "Product ID", Ref: p.ProductRef, kind: ErrRow,
					Err: errors.New("a product ref given again, on an earlier row too; this row is ignored")}
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
			if ok {
				if old.hash == h {
					continue
				}
				kind = Changed
			}
			if !yield(Change{Kind: kind, Ref: p.ProductRef, Product: p}, nil) {
				return
			}
		}
		if incomplete.Rows > 0 {
			keepUnseen()
			yield(Change{}, &incomplete)
			return
		}
		withdrawn := len(x.entries) - shown
		if limit := o.limit(len(x.entries)); withdrawn > limit {
			keepUnseen()
			yield(Change{}, &MassWithdrawalError{Withdrawn: withdrawn, Previous: len(x.entries), Limit: limit})
			return
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
