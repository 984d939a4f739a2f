package nexwaytest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
)

// DeliveryMode says what an order line delivers: Nexway's three delivery
// modes (download links and a serial, a serial only, download links only),
// plus DeliveryNone for physical options such as a backup DVD.
type DeliveryMode int

// Delivery modes.
const (
	DeliverySerial            DeliveryMode = iota // a license key per unit, no files
	DeliveryDownload                              // download links only
	DeliverySerialAndDownload                     // a key per unit and download links
	DeliveryNone                                  // nothing digital (e.g. a backup DVD)
)

var deliveryNames = []string{"serial", "download", "serial+download", "none"}

// String returns the mode's name as used in catalog JSON.
func (m DeliveryMode) String() string { return enumName(deliveryNames, int(m)) }

// MarshalJSON writes the mode's name.
func (m DeliveryMode) MarshalJSON() ([]byte, error) { return enumMarshal(deliveryNames, int(m)) }

// UnmarshalJSON reads the mode's name or its number.
func (m *DeliveryMode) UnmarshalJSON(b []byte) error {
	return enumUnmarshal(deliveryNames, "delivery mode", b, (*int)(m))
}

// serial reports whether the mode delivers a key per unit.
func (m DeliveryMode) serial() bool { return m == DeliverySerial || m == DeliverySerialAndDownload }

// download reports whether the mode delivers files.
func (m DeliveryMode) download() bool {
	return m == DeliveryDownload || m == DeliverySerialAndDownload
}

// FulfillmentMode says where a product's keys come from, as in Nexway's
// fulfillment (https://apidoc.nexway.store/docs/guides/fulfillment-principles):
// a batch of keys the publisher loaded beforehand, or the publisher's own
// system, asked in real time for each unit.
type FulfillmentMode int

// Fulfillment modes.
const (
	FulfillBatch    FulfillmentMode = iota // keys drawn from a pool loaded with AddKeys
	FulfillRealTime                        // keys asked from the product's Publisher
)

var fulfillmentNames = []string{"batch", "realtime"}

// String returns the mode's name as used in catalog JSON.
func (m FulfillmentMode) String() string { return enumName(fulfillmentNames, int(m)) }

// MarshalJSON writes the mode's name.
func (m FulfillmentMode) MarshalJSON() ([]byte, error) { return enumMarshal(fulfillmentNames, int(m)) }

// UnmarshalJSON reads the mode's name or its number.
func (m *FulfillmentMode) UnmarshalJSON(b []byte) error {
	return enumUnmarshal(fulfillmentNames, "fulfillment mode", b, (*int)(m))
}

// OptionKind marks a product as an option sold with a base product, as
// the cross-/up-sell call offers them
// (https://api-doc.nexway.store/nexway-connect/reference/manage-your-products/get-cross-up-sell).
// An option can only be ordered together with one of the products that
// list it in their Options (create code 1043).
type OptionKind int

// Option kinds.
const (
	OptionNone              OptionKind = iota // an ordinary product
	OptionDownloadExtension                   // extends the order's download window by ExtensionPeriod
	OptionBackupDVD                           // a physical backup DVD
)

var optionNames = []string{"none", "download-extension", "backup-dvd"}

// String returns the kind's name as used in catalog JSON.
func (k OptionKind) String() string { return enumName(optionNames, int(k)) }

// MarshalJSON writes the kind's name.
func (k OptionKind) MarshalJSON() ([]byte, error) { return enumMarshal(optionNames, int(k)) }

// UnmarshalJSON reads the kind's name or its number.
func (k *OptionKind) UnmarshalJSON(b []byte) error {
	return enumUnmarshal(optionNames, "option kind", b, (*int)(k))
}

// Product is one catalog entry of the fake. The JSON tags let a catalog
// fixture be loaded with LoadCatalogJSON; enums are written by name
// ("serial+download", "realtime", "download-extension").
type Product struct {
	Ref              int     `json:"ref"`
	Name             string  `json:"name"`
	AmountDutyFree   float64 `json:"amountDutyFree"`
	Currency         string  `json:"currency"`
	ShortDescription string  `json:"shortDescription"`
	Language         string  `json:"language"`
	ImageSmall       string  `json:"imageSmall"`

	Delivery          DeliveryMode `json:"delivery"`
	Files             []File       `json:"files,omitempty"`
	Remark            string       `json:"remark,omitempty"`
	DigitalLockerLink string       `json:"digitalLockerLink,omitempty"`

	// Fulfillment and LowStockThreshold: a batch product's stock level is
	// 200 (low) when the keys left are at or under the threshold, 300 at 0.
	Fulfillment       FulfillmentMode `json:"fulfillment"`
	LowStockThreshold int             `json:"lowStockThreshold,omitempty"`

	// Relations, by ref: offered by cross-/up-sell for a cart holding this
	// product. Refs not in the catalog are skipped when offers are built.
	CrossSells []int `json:"crossSells,omitempty"`
	UpSells    []int `json:"upSells,omitempty"`
	Options    []int `json:"options,omitempty"`

	// Option marks this product as an option; ExtensionPeriod is the ISO
	// 8601 period a download-extension option adds to its order's window.
	Option          OptionKind `json:"option,omitempty"`
	ExtensionPeriod string     `json:"extensionPeriod,omitempty"`

	// SubscriptionPeriod is "" for a one-off product, else the ISO 8601
	// renewal period (e.g. "P1Y", "P1M").
	SubscriptionPeriod string `json:"subscriptionPeriod,omitempty"`

	// NotCancellable makes cancel-order answer 1030 for orders holding it.
	NotCancellable bool `json:"notCancellable,omitempty"`
}

// File is a downloadable file of a product. The URL the fake returns is
// https://download.nexway.test/<orderNumber>/<URLPath>, so it is
// deterministic and differs per order.
type File struct {
	Label   string  `json:"label"`
	Type    string  `json:"type"`
	URLPath string  `json:"urlPath"`
	Group   string  `json:"group"`
	Size    float64 `json:"size"` // bytes
}

// Category is a product category, as listed by GET
// /connect/catalog/categories/{language}.
type Category struct {
	ID            int        `json:"id"`
	Label         string     `json:"label"`
	Subcategories []Category `json:"subcategories,omitempty"`
}

// OS is an operating system, as listed by GET /connect/catalog/oslist.
type OS struct {
	ID    int    `json:"id"`
	Label string `json:"label"`
}

// AddProducts adds products to the catalog. Every product is checked before
// any is added: ref in 1..2^31-1 and unique, a name, a 3-letter upper-case
// currency, a finite non-negative price, known enum values, and parseable
// periods (a download-extension option needs one). Relations may name
// products added later: unknown relations are skipped when offers are built.
func (s *Server) AddProducts(ps ...Product) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := make(map[int]bool, len(ps))
	for i := range ps {
		p := &ps[i]
		if err := checkProduct(p); err != nil {
			return err
		}
		if seen[p.Ref] || s.products[p.Ref] != nil {
			return fmt.Errorf("fake: product %d: duplicate ref", p.Ref)
		}
		seen[p.Ref] = true
	}
	for _, p := range ps {
		cp := p
		cp.Files = append([]File(nil), p.Files...)
		cp.CrossSells = append([]int(nil), p.CrossSells...)
		cp.UpSells = append([]int(nil), p.UpSells...)
		cp.Options = append([]int(nil), p.Options...)
		s.products[cp.Ref] = &cp
		if s.pools[cp.Ref] == nil {
			s.pools[cp.Ref] = &pool{}
		}
	}
	return nil
}

// checkProduct validates one product for AddProducts.
func checkProduct(p *Product) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("fake: product %d: "+format, append([]any{p.Ref}, args...)...)
	}
	switch {
	case p.Ref <= 0 || p.Ref > math.MaxInt32:
		return fail("ref must be in 1..%d", math.MaxInt32)
	case strings.TrimSpace(p.Name) == "":
		return fail("name is empty")
	case !isUpperLetters(p.Currency, 3):
		return fail("currency %q is not 3 upper-case letters", p.Currency)
	case !finiteNonNegative(p.AmountDutyFree):
		return fail("amountDutyFree must be finite and >= 0")
	case p.Delivery < DeliverySerial || p.Delivery > DeliveryNone:
		return fail("unknown delivery mode %d", int(p.Delivery))
	case p.Fulfillment < FulfillBatch || p.Fulfillment > FulfillRealTime:
		return fail("unknown fulfillment mode %d", int(p.Fulfillment))
	case p.Option < OptionNone || p.Option > OptionBackupDVD:
		return fail("unknown option kind %d", int(p.Option))
	case p.LowStockThreshold < 0:
		return fail("lowStockThreshold is negative")
	}
	if p.SubscriptionPeriod != "" {
		per, ok := parsePeriod(p.SubscriptionPeriod)
		if !ok || per.isZero() {
			return fail("subscriptionPeriod %q is not a positive ISO 8601 period", p.SubscriptionPeriod)
		}
	}
	if p.ExtensionPeriod != "" {
		if _, ok := parsePeriod(p.ExtensionPeriod); !ok {
			return fail("extensionPeriod %q is not an ISO 8601 period", p.ExtensionPeriod)
		}
	} else if p.Option == OptionDownloadExtension {
		return fail("a download-extension option needs an extensionPeriod")
	}
	for _, f := range p.Files {
		if !finiteNonNegative(f.Size) {
			return fail("file %q: size must be finite and >= 0", f.Label)
		}
	}
	for _, rel := range [][]int{p.CrossSells, p.UpSells, p.Options} {
		for _, r := range rel {
			if r <= 0 {
				return fail("relation to invalid ref %d", r)
			}
		}
	}
	return nil
}

// LoadCatalogJSON reads a JSON array of Product (see the Product tags) and
// adds them with AddProducts. Unknown fields are refused, so a typo in a
// fixture is an error rather than a silently default product.
func (s *Server) LoadCatalogJSON(r io.Reader) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var ps []Product
	if err := dec.Decode(&ps); err != nil {
		return fmt.Errorf("fake: catalog JSON: %w", err)
	}
	return s.AddProducts(ps...)
}

// SetCategories replaces the category tree served by the categories route.
func (s *Server) SetCategories(cs []Category) {
	cp := cloneCategories(cs)
	s.mu.Lock()
	s.categories = cp
	s.mu.Unlock()
}

// SetOperatingSystems replaces the list served by the oslist route.
func (s *Server) SetOperatingSystems(os []OS) {
	cp := append([]OS(nil), os...)
	s.mu.Lock()
	s.oses = cp
	s.mu.Unlock()
}

func cloneCategories(cs []Category) []Category {
	if cs == nil {
		return nil
	}
	out := make([]Category, len(cs))
	for i, c := range cs {
		out[i] = Category{ID: c.ID, Label: c.Label, Subcategories: cloneCategories(c.Subcategories)}
	}
	return out
}

// subcategoriesWire renders a category tree of any depth.
func subcategoriesWire(cs []Category) []subcategoryWire {
	if len(cs) == 0 {
		return nil
	}
	out := make([]subcategoryWire, len(cs))
	for i, c := range cs {
		out[i] = subcategoryWire{ID: c.ID, Label: c.Label, Subcategories: subcategoriesWire(c.Subcategories)}
	}
	return out
}

// handleCategories serves GET /connect/catalog/categories/{language}. Labels
// are returned as configured whatever the language (the fake has one set).
func (s *Server) handleCategories(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	list := make([]categoryWire, 0, len(s.categories))
	for _, c := range s.categories {
		subs := subcategoriesWire(c.Subcategories)
		if subs == nil {
			subs = []subcategoryWire{} // the top level always has the key
		}
		list = append(list, categoryWire{ID: c.ID, Label: c.Label, Subcategories: subs})
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, categoriesResponse{CategoryList: list, ResponseCode: 0, ResponseMessage: "OK"})
}

// handleOSList serves GET /connect/catalog/oslist.
func (s *Server) handleOSList(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	list := make([]osWire, 0, len(s.oses))
	for _, o := range s.oses {
		list = append(list, osWire(o))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, osListResponse{OSList: list, ResponseCode: 0, ResponseMessage: "OK"})
}

// sellsCurrencyLocked reports whether any product is sold in currency c
// (create code 1021 otherwise).
func (s *Server) sellsCurrencyLocked(c string) bool {
	for _, p := range s.products {
		if p.Currency == c {
			return true
		}
	}
	return false
}

func enumName(names []string, v int) string {
	if v >= 0 && v < len(names) {
		return names[v]
	}
	return strconv.Itoa(v)
}

func enumMarshal(names []string, v int) ([]byte, error) {
	if v < 0 || v >= len(names) {
		return nil, fmt.Errorf("fake: unknown enum value %d", v)
	}
	return json.Marshal(names[v])
}

func enumUnmarshal(names []string, what string, b []byte, dst *int) error {
	var name string
	if err := json.Unmarshal(b, &name); err == nil {
		for i, n := range names {
			if strings.EqualFold(n, name) {
				*dst = i
				return nil
			}
		}
		return fmt.Errorf("fake: unknown %s %q (want one of %s)", what, name, strings.Join(names, ", "))
	}
	var n int
	if err := json.Unmarshal(b, &n); err != nil || n < 0 || n >= len(names) {
		return errors.New("fake: invalid " + what)
	}
	*dst = n
	return nil
}

// isUpperLetters reports whether s is exactly n ASCII upper-case letters.
func isUpperLetters(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func finiteNonNegative(x float64) bool {
	return !math.IsNaN(x) && !math.IsInf(x, 0) && x >= 0
}
