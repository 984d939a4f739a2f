package nexwaytest

import (
	"cmp"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode"

	"github.com/nexway-go/nexway/internal/feedgen"
)

// The ids the fake's product feed accepts in its query unless FeedSettings
// name others. At Nexway both are UUIDs of objects defined in the
// back-office (Cocoon).
const (
	// FeedProvider is the default provider: the id of the feed's product
	// list.
	FeedProvider = "a1b2c3d4-0000-4000-8000-000000000001"
	// FeedConfig is the default config: the id of the feed's format.
	FeedConfig = "a1b2c3d4-0000-4000-8000-000000000002"
)

// FeedFormat is the file format of the product feed.
type FeedFormat int

// Feed formats, named in JSON "csv" and "xml".
const (
	// FeedCSV is a CSV file with a header line naming the columns.
	FeedCSV FeedFormat = iota
	// FeedXML is an XML file with a <product id="..."> element per product
	// holding <name>, <publisher>, <description format language>,
	// <version>, <type>, <price currency>, <categories>, <os>, <drm> and
	// <deliveryMode><digitalLocker>. Nexway documents no XML sample:
	// <version>, <type>, <price>, <categories> and <os> are the fake's
	// guess, the others are what Nexway's integrations read.
	FeedXML
)

var feedFormatNames = []string{"csv", "xml"}

// String returns "csv" or "xml", or the number of a format that has no
// name.
func (f FeedFormat) String() string { return enumName(feedFormatNames, int(f)) }

// MarshalJSON writes the format's name; it fails for a value that has
// none.
func (f FeedFormat) MarshalJSON() ([]byte, error) { return enumMarshal(feedFormatNames, int(f)) }

// UnmarshalJSON reads the format's name (in any case) or its number; it
// fails for anything else.
func (f *FeedFormat) UnmarshalJSON(b []byte) error {
	return enumUnmarshal(feedFormatNames, "feed format", b, (*int)(f))
}

// FeedColumns returns the CSV column headers Nexway documents for feed
// version 2.4, in the documentation's order: the columns of the default
// feed.
func FeedColumns() []string { return feedgen.Columns() }

// FeedSettings are the settings of the product feed the fake serves
// (WithFeed, SetFeed), as a partner sets theirs in Nexway's back-office: the
// ids of its product list and format, the file format and, for CSV, the
// columns, their order, the separator and the line ending. The zero value
// is the default feed: FeedProvider, FeedConfig, CSV with every column of
// FeedColumns, comma-separated, LF line endings, the catalog's products.
type FeedSettings struct {
	// Provider is the product list id the query's provider must equal;
	// "" means FeedProvider. It must be printable.
	Provider string `json:"provider,omitempty"`
	// Config is the feed format id the query's config must equal; ""
	// means FeedConfig. It must be printable.
	Config string `json:"config,omitempty"`
	// Format is FeedCSV, the zero value, or FeedXML.
	Format FeedFormat `json:"format"`
	// Columns are the CSV header names in order, each non-empty and given
	// once: names of FeedColumns, and names Nexway does not document,
	// whose value is "<name> of <ref>" (how an undocumented column such as
	// a promotion's reaches a storefront). Nil or empty means FeedColumns.
	// The XML feed ignores them.
	Columns []string `json:"columns,omitempty"`
	// Separator is the CSV field separator, one ASCII character other
	// than '"', CR and LF; "" means ",".
	Separator string `json:"separator,omitempty"`
	// CRLF ends CSV lines with CR LF instead of LF.
	CRLF bool `json:"crlf,omitempty"`
	// DecimalComma writes CSV prices and sizes with a decimal comma
	// ("41,66"), in quotes when the separator is a comma.
	DecimalComma bool `json:"decimalComma,omitempty"`
	// Generated, when > 0, makes the feed that many synthetic products
	// instead of the catalog's, about 1 KB each in CSV, with long
	// descriptions holding separators, quotes and line breaks. They are
	// generated while the feed is sent, so a feed of millions costs the
	// fake no memory: for tests and benchmarks of a storefront's import.
	// Their refs run from 100000 up, and the rest is drawn from the seed
	// (WithSeed): the same seed gives the same feed. It must be ≥ 0.
	Generated int `json:"generated,omitempty"`
}

// check refuses settings that cannot make a feed, naming the field.
func (f *FeedSettings) check() error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("nexwaytest: feed settings: "+format, args...)
	}
	for _, id := range [...]struct{ name, v string }{{"provider", f.Provider}, {"config", f.Config}} {
		if strings.ContainsFunc(id.v, unicode.IsControl) || (id.v != "" && strings.TrimSpace(id.v) == "") {
			return fail("%s must be printable and not blank", id.name)
		}
	}
	if f.Format != FeedCSV && f.Format != FeedXML {
		return fail("unknown format %d", int(f.Format))
	}
	if sep := f.Separator; sep != "" && (len(sep) != 1 || sep[0] >= 0x80 || strings.ContainsAny(sep, "\"\r\n")) {
		return fail(`separator %q must be one ASCII character other than '"', CR and LF`, sep)
	}
	seen := make(map[string]bool, len(f.Columns))
	for i, c := range f.Columns {
		switch {
		case c == "":
			return fail("column %d is empty", i+1)
		case seen[c]:
			return fail("column %q is given twice", c)
		}
		seen[c] = true
	}
	if f.Generated < 0 {
		return fail("generated must be >= 0")
	}
	return nil
}

// WithFeed starts the fake with the feed settings f instead of the
// default feed; Reset returns to them. StartServer fails, and NewServer
// fails the test, for settings that SetFeed refuses.
func WithFeed(f FeedSettings) Option {
	return func(c *config) error { c.feed = f; return nil }
}

// SetFeed replaces the settings of the product feed: downloads that start
// afterwards follow them. It fails, changing nothing, for settings that
// cannot make a feed (a blank provider, an unknown format, an empty or
// repeated column, a separator that is not one ASCII character other than
// a quote or a line break, a negative Generated), naming the field. It
// keeps a copy of f.
func (s *Server) SetFeed(f FeedSettings) error {
	if err := f.check(); err != nil {
		return err
	}
	f.Columns = slices.Clone(f.Columns)
	s.mu.Lock()
	s.feed = f
	s.mu.Unlock()
	return nil
}

// handleFeed serves the product feed. The query's secret must be one the
// fake accepts (401 otherwise), its provider and config those of the
// settings (404 otherwise), each refusal a small HTML page that no feed
// decoder takes for products; Nexway does not document these answers.
// The version in the path is not checked. The feed is generated as it is
// sent; a client that goes away ends it.
func (s *Server) handleFeed(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	set := s.feed
	status := s.feedRefusal(q, &set)
	var products []*Product
	if status == 0 && set.Generated == 0 {
		products = s.catalogLocked()
	}
	s.mu.Unlock()
	if status != 0 {
		writeHTML(w, status)
		return
	}

	cfg := feedgen.Config{Count: set.Generated, Seed: uint64(s.cfg.seed), Columns: set.Columns,
		CRLF: set.CRLF, DecimalComma: set.DecimalComma}
	if len(cfg.Columns) == 0 {
		cfg.Columns = nil // every documented column
	}
	if set.Separator != "" {
		cfg.Separator = set.Separator[0]
	}
	if set.Generated == 0 {
		cfg.Count = len(products)
		cfg.Product = func(i int, p *feedgen.Product) { feedProduct(products[i], p) }
	}
	contentType := "text/csv; charset=utf-8"
	if set.Format == FeedXML {
		cfg.Format, contentType = feedgen.XML, "application/xml; charset=utf-8"
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	_, _ = feedgen.New(cfg).WriteTo(w) // an error is the client gone
}

// feedRefusal returns the HTTP status refusing a feed query, or 0. s.mu is
// held.
func (s *Server) feedRefusal(q url.Values, set *FeedSettings) int {
	switch {
	case !slices.Contains(s.cfg.secrets, q.Get("secret")):
		return http.StatusUnauthorized
	case q.Get("provider") != cmp.Or(set.Provider, FeedProvider), q.Get("config") != cmp.Or(set.Config, FeedConfig):
		return http.StatusNotFound
	}
	return 0
}

// catalogLocked returns the catalog's products in ref order. They are
// never changed in place but for Fulfillment, which the feed does not
// read, so they may be read after s.mu is released.
func (s *Server) catalogLocked() []*Product {
	ps := make([]*Product, 0, len(s.products))
	for _, p := range s.products {
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(a, b *Product) int { return cmp.Compare(a.Ref, b.Ref) })
	return ps
}

// feedProduct fills g, whose slices it reuses, from p.
func feedProduct(p *Product, g *feedgen.Product) {
	var size float64
	for _, f := range p.Files {
		size += f.Size
	}
	*g = feedgen.Product{
		Ref:              int64(p.Ref),
		PublisherID:      int64(p.PublisherID),
		PublisherName:    p.PublisherName,
		Name:             p.Name,
		Version:          p.Version,
		Type:             1, // for sale
		ReleaseDate:      p.ReleaseDate,
		TotalSize:        hundredths(size / (1 << 20)),
		ShortDescription: p.ShortDescription,
		LongDescription:  p.LongDescription,
		Language:         p.Language,
		SmallImage:       p.ImageSmall,
		MediumImage:      p.ImageMedium,
		BigImage:         p.ImageBig,
		Screenshots:      append(g.Screenshots, p.Screenshots...),
		Categories:       append(g.Categories, p.Categories...),
		Price:            hundredths(p.AmountDutyFree),
		PublicPrice:      hundredths(p.PublicPrice),
		Currency:         p.Currency,
		RetailerPrice:    hundredths(p.RetailerPrice),
		RetailerCurrency: p.Currency,
		OS:               append(g.OS, p.OperatingSystems...),
		DRM:              p.DRM,
		DigitalLocker:    p.DigitalLockerLink != "",
	}
}

// hundredths rounds x, finite and ≥ 0, to hundredths, capped so that no
// amount overflows.
func hundredths(x float64) int64 {
	h := math.Round(x * 100)
	if h >= math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(h)
}
