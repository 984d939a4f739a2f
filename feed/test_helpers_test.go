package feed

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/nexway-go/nexway/internal/feedgen"

	"github.com/nexway-go/nexway"
)

// decoded is one value of a decoded feed.
type decoded struct {
	p   Product
	err error
}

// decodeAll collects every value Decode yields.
func decodeAll(r io.Reader, opts *Options) []decoded {
	var out []decoded
	for p, err := range Decode(r, opts) {
		out = append(out, decoded{p, err})
	}
	return out
}

// refs lists the refs of results without error, and the line of each
// error as -line.
func refs(rs []decoded) []int64 {
	var out []int64
	for _, r := range rs {
		if r.err != nil {
			out = append(out, -int64(r.err.(*Error).Line))
			continue
		}
		out = append(out, int64(r.p.ProductRef))
	}
	return out
}

// wantProduct is what decoding product i of a generated feed must give.
func wantProduct(cfg feedgen.Config, i int) Product {
	var g feedgen.Product
	feedgen.Synthetic(cfg.Seed, i, &g)
	cents := func(v int64) *Decimal { return &Decimal{Units: v, Scale: 2} }
	p := Product{
		ProductRef: nexway.ProductRef(g.Ref), PublisherID: strconv.FormatInt(g.PublisherID, 10), PublisherName: g.PublisherName,
		Name: g.Name, Misc: g.Misc, CreationDate: g.CreationDate, LicenseLifetime: g.LicenseLifetime,
		Keywords: g.Keywords, Users: g.Users, Version: g.Version, EAN: g.EAN, Type: ProductType(g.Type),
		ReleaseDate: g.ReleaseDate, TotalSize: cents(g.TotalSize),
		Descriptions: []Description{{Short: g.ShortDescription, Long: g.LongDescription}},
		Languages:    []string{g.Language}, SmallImage: g.SmallImage, MediumImage: g.MediumImage, BigImage: g.BigImage,
		Screenshots: g.Screenshots, Categories: g.Categories, Price: cents(g.Price), PublicPrice: cents(g.PublicPrice),
		Currency: g.Currency, RetailerPrice: cents(g.RetailerPrice), RetailerCurrency: g.RetailerCurrency,
		Memory: g.Memory, DiskSpace: g.DiskSpace, OperatingSystems: g.OS,
	}
	if len(p.Screenshots) == 0 {
		p.Screenshots = nil
	}
	for _, c := range cfg.Columns {
		if !isDocumented(c) {
			if p.Extra == nil {
				p.Extra = map[string]string{}
			}
			p.Extra[c] = feedgen.UnknownValue(c, g.Ref)
		}
	}
	return p
}

func isDocumented(c string) bool {
	for _, d := range feedgen.Columns() {
		if c == d {
			return true
		}
	}
	return false
}

// errorIs fails the test unless err is a *Error at line matching kind.
func errorIs(t *testing.T, err error, line int, kind error) {
	t.Helper()
	var fe *Error
	if !errors.As(err, &fe) || !errors.Is(err, kind) || (line >= 0 && fe.Line != line) {
		t.Fatalf("error %v (%#v), want line %d matching %v", err, err, line, kind)
	}
}

var bg = context.Background()

// canarySecret is a feed secret no output may contain.
const canarySecret = "CanarySecret42"

// syncBuffer collects log output from concurrent goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
