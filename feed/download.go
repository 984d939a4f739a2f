package feed

import (
	"context"
	"errors"
	"iter"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/internal/redact"
)

// Products downloads the feed with c.Feed.Open and decodes it as Decode
// does, one product at a time, without holding the file: memory stays
// bounded whatever the catalog's size. The download starts when the loop
// does and ends with it; opts may be nil. A failed download is the only
// value, a *nexway.APIError as Open returns it (before any request, a
// *nexway.ArgumentError for invalid options or query); the decoding errors
// are Decode's, with the query's values taken out of their text.
func Products(ctx context.Context, c *nexway.Client, q *nexway.FeedQuery, opts *Options) iter.Seq2[Product, error] {
	return func(yield func(Product, error) bool) {
		if c == nil {
			yield(Product{}, invalid("client", "needs a *nexway.Client"))
			return
		}
		if opts != nil {
			if err := opts.check(); err != nil {
				yield(Product{}, err)
				return
			}
		}
		body, err := c.Feed.Open(ctx, q)
		if err != nil {
			yield(Product{}, err)
			return
		}
		defer body.Close()
		hidden := []string{q.Secret, q.Provider, q.Config}
		for p, err := range Decode(body, opts) {
			if err != nil {
				err = scrub(err, hidden)
			}
			if !yield(p, err) {
				return
			}
		}
	}
}

// scrub takes the query's values out of a decoding error: a feed that
// echoes them in a header or an element name must not leak them. An *Error
// stays one, with its line and kind.
func scrub(err error, hidden []string) error {
	var fe *Error
	if !errors.As(err, &fe) {
		return redact.Error(err, false, nil, hidden)
	}
	clean := *fe
	clean.Column = redact.Text(fe.Column, nil, hidden)
	clean.Err = redact.Error(fe.Err, false, nil, hidden)
	if clean.Column == fe.Column && clean.Err == fe.Err {
		return err
	}
	return &clean
}

// invalid is the error of an argument refused before any I/O.
func invalid(field, reason string) error {
	return &nexway.ArgumentError{Field: field, Reason: reason}
}
