package nexwaytest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// DeliveryMode says what an order line delivers: Nexway's three delivery
// modes (download links and a serial, a serial only, download links only),
// plus DeliveryNone for physical options such as a backup DVD.
type DeliveryMode int

// Delivery modes, named in catalog JSON "serial", "download",
// "serial+download" and "none".
const (
	DeliverySerial            DeliveryMode = iota // a license key per unit, no files
	DeliveryDownload                              // download links only
	DeliverySerialAndDownload                     // a key per unit and download links
	DeliveryNone                                  // nothing digital (e.g. a backup DVD)
)

var deliveryNames = []string{"serial", "download", "serial+download", "none"}

// String returns the mode's name as used in catalog JSON, or its number
// when it has none.
func (m DeliveryMode) String() string { return enumName(deliveryNames, int(m)) }

// MarshalJSON writes the mode's name; it fails for a value that has none.
func (m DeliveryMode) MarshalJSON() ([]byte, error) { return enumMarshal(deliveryNames, int(m)) }

// UnmarshalJSON reads the mode's name (in any case) or its number; it
// fails for anything else.
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

// Fulfillment modes, named in catalog JSON "batch" and "realtime".
const (
	FulfillBatch    FulfillmentMode = iota // keys drawn from a pool loaded with AddKeys
	FulfillRealTime                        // keys asked from the product's Publisher
)

var fulfillmentNames = []string{"batch", "realtime"}

// String returns the mode's name as used in catalog JSON, or its number
// when it has none.
func (m FulfillmentMode) String() string { return enumName(fulfillmentNames, int(m)) }

// MarshalJSON writes the mode's name; it fails for a value that has none.
func (m FulfillmentMode) MarshalJSON() ([]byte, error) { return enumMarshal(fulfillmentNames, int(m)) }

// UnmarshalJSON reads the mode's name (in any case) or its number; it
// fails for anything else.
func (m *FulfillmentMode) UnmarshalJSON(b []byte) error {
	return enumUnmarshal(fulfillmentNames, "fulfillment mode", b, (*int)(m))
}

// OptionKind marks a product as an option sold with a base product, as
// the cross-/up-sell call offers them
// (https://api-doc.nexway.store/nexway-connect/reference/manage-your-products/get-cross-up-sell).
// An option can only be ordered together with one of the products that
// list it in their Options (create code 1043).
type OptionKind int

// Option kinds, named in catalog JSON "none", "download-extension" and
// "backup-dvd".
const (
	OptionNone              OptionKind = iota // an ordinary product
	OptionDownloadExtension                   // extends the order's download window by ExtensionPeriod
	OptionBackupDVD                           // a physical backup DVD
)

var optionNames = []string{"none", "download-extension", "backup-dvd"}

// String returns the kind's name as used in catalog JSON, or its number
// when it has none.
func (k OptionKind) String() string { return enumName(optionNames, int(k)) }

// MarshalJSON writes the kind's name; it fails for a value that has none.
func (k OptionKind) MarshalJSON() ([]byte, error) { return enumMarshal(optionNames, int(k)) }

// UnmarshalJSON reads the kind's name (in any case) or its number; it
// fails for anything else.
func (k *OptionKind) UnmarshalJSON(b []byte) error {
	return enumUnmarshal(optionNames, "option kind", b, (*int)(k))
}

// Product is one catalog entry of the fake, added with AddProducts or
// LoadCatalogJSON, changed with UpdateProducts and withdrawn with
// RemoveProducts. The API's answers show some of its fields, the product
// feed (SetFeed) most of them. The JSON tags are the fixture format
// LoadCatalogJSON reads; enums are written by name ("serial+download",
// "realtime", "download-extension").
type Product struct {
	// Ref is Nexway's product reference, the productRef of every call: 1 to
	// 2^31-1, unique in the catalog.
	Ref int `json:"ref"`
	// Name is the product's name, required. Cross-sell offers show it and
	// real-time publishers receive it (LicenseRequest.ProductName).
	Name string `json:"name"`
	// AmountDutyFree is the unit price before tax, in Currency: finite and
	// ≥ 0. Cross-sell offers show it, and publishers receive it as the gross
	// price when the order line carries no amount.
	AmountDutyFree float64 `json:"amountDutyFree"`
	// Currency is the ISO 4217 code of the price, three upper-case letters.
	// An order in a currency that no product of the catalog has is refused
	// (create code 1021).
	Currency string `json:"currency"`
	// ShortDescription is shown in cross-sell offers.
	ShortDescription string `json:"shortDescription"`
	// Language is the language of the description, shown in cross-sell
	// offers ("EN"); it filters nothing.
	Language string `json:"language"`
	// ImageSmall is the URL of a thumbnail, shown in cross-sell offers and
	// in the feed's "Small image".
	ImageSmall string `json:"imageSmall"`

	// What the product feed carries besides the fields above (name,
	// prices, currency, short description, language, small image), each in
	// its column or XML element; a zero value is an empty column. The feed
	// also gives "Type" 1 (for sale), the files' total "Total size" in MiB,
	// and the XML <digitalLocker> 1 when DigitalLockerLink is set.

	// LongDescription is the feed's "Long description".
	LongDescription string `json:"longDescription,omitempty"`
	// PublisherID is the publisher's id in Nexway's catalog ("Publisher
	// ID"); it must be ≥ 0.
	PublisherID int `json:"publisherId,omitempty"`
	// PublisherName is the publisher's name ("Publisher name", XML
	// <publisher>).
	PublisherName string `json:"publisherName,omitempty"`
	// Version is the product's version ("Version").
	Version string `json:"version,omitempty"`
	// ReleaseDate is written as given ("Release date"): Nexway does not
	// document its format.
	ReleaseDate string `json:"releaseDate,omitempty"`
	// Categories are the ids of the product's categories, as SetCategories
	// serves them ("Categories", ':'-separated); each must be > 0. Ids not
	// in the tree are written all the same.
	Categories []int `json:"categories,omitempty"`
	// OperatingSystems are the ids of the systems the product runs on, as
	// SetOperatingSystems serves them ("System requirements _ Operating
	// system", ':'-separated); each must be > 0.
	OperatingSystems []int `json:"operatingSystems,omitempty"`
	// PublicPrice is the publisher's recommended price before tax, in
	// Currency ("Price public wo.VAT"): finite and ≥ 0. Feed prices are
	// written with two decimals.
	PublicPrice float64 `json:"publicPrice,omitempty"`
	// RetailerPrice is what Nexway invoices the partner per unit before
	// tax, in Currency ("Retailer price", its currency in "Retailer price
	// Currency"): finite and ≥ 0.
	RetailerPrice float64 `json:"retailerPrice,omitempty"`
	// ImageMedium is the URL of a medium image ("Medium image").
	ImageMedium string `json:"imageMedium,omitempty"`
	// ImageBig is the URL of a large image ("Big image").
	ImageBig string `json:"imageBig,omitempty"`
	// Screenshots are the URLs of screenshots ("Screenshots"). None may hold
	// ':', the feed's list separator: write them relative, as Nexway does.
	Screenshots []string `json:"screenshots,omitempty"`
	// DRM names the copy protection, the XML feed's <drm> ("Uplay
	// (Ubisoft)"); "" for none.
	DRM string `json:"drm,omitempty"`

	// Delivery says whether an order line of the product carries a license
	// key per unit, download links, both, or nothing (the zero value is
	// DeliverySerial).
	Delivery DeliveryMode `json:"delivery"`
	// Files are the downloads of an order line, when Delivery includes
	// download links.
	Files []File `json:"files,omitempty"`
	// Remark is text the storefront must show the buyer with the order line
	// (activation instructions, for instance); "" for none.
	Remark string `json:"remark,omitempty"`
	// DigitalLockerLink is returned on every order line of the product; ""
	// for none.
	DigitalLockerLink string `json:"digitalLockerLink,omitempty"`

	// Fulfillment says where a serial product's keys come from: its batch
	// pool (the zero value, FulfillBatch) or a Publisher (FulfillRealTime,
	// which SetPublisher sets).
	Fulfillment FulfillmentMode `json:"fulfillment"`
	// LowStockThreshold is, for a batch product, the number of keys left at
	// or under which the stock level is 200 (low stock); it is 300 (out of
	// stock) at 0 and 100 above the threshold. Default 0; it must be ≥ 0.
	// Real-time, download-only and physical products are always in stock.
	LowStockThreshold int `json:"lowStockThreshold,omitempty"`

	// CrossSells are the refs offered as cross-sells for a cart holding this
	// product. Refs not in the catalog are skipped when offers are built, so
	// they may name products added later.
	CrossSells []int `json:"crossSells,omitempty"`
	// UpSells are the refs offered as up-sells, as CrossSells.
	UpSells []int `json:"upSells,omitempty"`
	// Options are the refs of the options sold with this product, offered as
	// CrossSells are. An option can only be ordered with one of the products
	// that list it (create code 1043).
	Options []int `json:"options,omitempty"`

	// Option marks this product as an option of others (OptionNone, the
	// zero value, for an ordinary product).
	Option OptionKind `json:"option,omitempty"`
	// ExtensionPeriod is the ISO 8601 period ("P1Y", "P6M") an
	// OptionDownloadExtension adds to its order's download window, once per
	// unit ordered; required for that kind.
	ExtensionPeriod string `json:"extensionPeriod,omitempty"`

	// SubscriptionPeriod is "" for a one-off product, else the ISO 8601
	// renewal period ("P1Y", "P1M"): each unit ordered starts a subscription
	// that renews when the clock passes its expiry date.
	SubscriptionPeriod string `json:"subscriptionPeriod,omitempty"`

	// NotCancellable makes cancel-order answer 1030 (cancel not authorized)
	// for an order holding the product.
	NotCancellable bool `json:"notCancellable,omitempty"`
}

// File is a downloadable file of a product. The URL the fake returns for
// it is https://download.nexway.test/<orderNumber>/<URLPath>, so it is
// deterministic and differs per order; nothing is served there.
type File struct {
	// Label is the file's name for the buyer ("Setup").
	Label string `json:"label"`
	// Type is the file's type as Nexway gives it ("exe", "pdf").
	Type string `json:"type"`
	// URLPath is the end of the download URL, after the order number.
	URLPath string `json:"urlPath"`
	// Group groups the files of a product ("main", "docs"); "" for none.
	Group string `json:"group"`
	// Size is the file's size in bytes (a float, as in Nexway's answers),
	// finite and ≥ 0.
	Size float64 `json:"size"`
}

// Category is a product category, as listed by GET
// /connect/catalog/categories/{language} (SetCategories).
type Category struct {
	// ID is the category's id, as in the Categories column of Nexway's
	// product feed.
	ID int `json:"id"`
	// Label is the category's name, answered whatever the language asked.
	Label string `json:"label"`
	// Subcategories nest to any depth, each level under Nexway's key
	// "Subcategory list".
	Subcategories []Category `json:"subcategories,omitempty"`
}

// OS is an operating system, as listed by GET /connect/catalog/oslist
// (SetOperatingSystems).
type OS struct {
	// ID is the system's id, as in the system-requirements column of
	// Nexway's product feed.
	ID int `json:"id"`
	// Label is the system's name ("Win 11").
	Label string `json:"label"`
}

// AddProducts adds products to the catalog, each with an empty key pool.
// Every product is checked before any is added: ref in 1..2^31-1 and
// unique, a name, a 3-letter upper-case currency, finite non-negative
// prices and sizes, known enum values, positive relation refs, and
// parseable periods (a download-extension option needs one); an error names
// the product's ref and the field. Relations may name products added later:
// unknown relations are skipped when offers are built. A real-time product
// needs SetPublisher too, or its units get no key (item code 1051).
func (s *Server) AddProducts(ps ...Product) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkProductsLocked(ps, false); err != nil {
		return err
	}
	for _, p := range ps {
		s.products[p.Ref] = cloneProduct(p)
		if s.pools[p.Ref] == nil {
			s.pools[p.Ref] = &pool{}
		}
	}
	return nil
}

// UpdateProducts replaces products of the catalog by ref, as Nexway's
// catalog changes from one day's feed to the next: a new price, name or
// category. Every product is checked as AddProducts checks it, and must
// be in the catalog; an error names the ref, and nothing changes. The key
// pool and publisher stay; every other field is taken from the new
// product, Fulfillment included (keep FulfillRealTime for a product that
// SetPublisher made real-time). Orders already made keep the product as
// it was sold.
func (s *Server) UpdateProducts(ps ...Product) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkProductsLocked(ps, true); err != nil {
		return err
	}
	for _, p := range ps {
		s.products[p.Ref] = cloneProduct(p)
	}
	return nil
}

// checkProductsLocked checks ps for AddProducts (listed false: none may be
// in the catalog) or UpdateProducts (listed true: each must be), and that
// no ref is given twice; the error names the first ref refused.
func (s *Server) checkProductsLocked(ps []Product, listed bool) error {
	seen := make(map[int]bool, len(ps))
	for i := range ps {
		p := &ps[i]
		if err := checkProduct(p); err != nil {
			return err
		}
		inCatalog := s.products[p.Ref] != nil
		switch {
		case !listed && (seen[p.Ref] || inCatalog):
			return fmt.Errorf("nexwaytest: product %d: duplicate ref", p.Ref)
		case listed && seen[p.Ref]:
			return fmt.Errorf("nexwaytest: product %d: given twice", p.Ref)
		case listed && !inCatalog:
			return fmt.Errorf("nexwaytest: product %d: not in the catalog (AddProducts adds it)", p.Ref)
		}
		seen[p.Ref] = true
	}
	return nil
}

// RemoveProducts withdraws products from the catalog, as Nexway withdraws
// a product at the end of its life: it is missing from the feed from then
// on, stock answers it as unknown (1010) and orders for it are refused.
// Every ref must be in the catalog, or nothing is removed and the error
// names the first that is not. Orders already made keep it; its key pool
// and publisher are kept too, so that AddProducts with the same ref puts
// it back on sale as it was.
func (s *Server) RemoveProducts(refs ...int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ref := range refs {
		if s.products[ref] == nil {
			return fmt.Errorf("nexwaytest: remove products: product %d is not in the catalog", ref)
		}
	}
	for _, ref := range refs {
		delete(s.products, ref)
	}
	return nil
}

// cloneProduct is a copy of p that shares no slice with it. Products in
// the catalog are never changed in place, but for the Fulfillment that
// SetPublisher sets, so that the feed can read them outside the lock.
func cloneProduct(p Product) *Product {
	p.Files = slices.Clone(p.Files)
	p.CrossSells = slices.Clone(p.CrossSells)
	p.UpSells = slices.Clone(p.UpSells)
	p.Options = slices.Clone(p.Options)
	p.Categories = slices.Clone(p.Categories)
	p.OperatingSystems = slices.Clone(p.OperatingSystems)
	p.Screenshots = slices.Clone(p.Screenshots)
	return &p
}

// checkProduct validates one product for AddProducts.
func checkProduct(p *Product) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("nexwaytest: product %d: "+format, append([]any{p.Ref}, args...)...)
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
	case !finiteNonNegative(p.PublicPrice):
		return fail("publicPrice must be finite and >= 0")
	case !finiteNonNegative(p.RetailerPrice):
		return fail("retailerPrice must be finite and >= 0")
	case p.PublisherID < 0:
		return fail("publisherId is negative")
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
	for _, ids := range [...]struct {
		name string
		v    []int
	}{{"categories", p.Categories}, {"operatingSystems", p.OperatingSystems}} {
		for _, id := range ids.v {
			if id <= 0 {
				return fail("%s: id %d is not positive", ids.name, id)
			}
		}
	}
	for _, sc := range p.Screenshots {
		if strings.ContainsAny(sc, ":\r\n") {
			return fail("screenshot %q holds ':' or a line break; the feed separates screenshots with ':'", sc)
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
// adds them with AddProducts, all or none. Unknown fields are refused, so a
// typo in a fixture is an error rather than a silently default product.
func (s *Server) LoadCatalogJSON(r io.Reader) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var ps []Product
	if err := dec.Decode(&ps); err != nil {
		return fmt.Errorf("nexwaytest: catalog JSON: %w", err)
	}
	return s.AddProducts(ps...)
}

// SetCategories replaces the category tree that GET
// /connect/catalog/categories/{language} answers, whatever the language.
// It keeps a copy of cs.
func (s *Server) SetCategories(cs []Category) {
	cp := cloneCategories(cs)
	s.mu.Lock()
	s.categories = cp
	s.mu.Unlock()
}

// SetOperatingSystems replaces the list that GET /connect/catalog/oslist
// answers. It keeps a copy of os.
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
	writeJSON(w, http.StatusOK, categoriesResponse{CategoryList: list, envelope: envelope{ResponseCode: 0, ResponseMessage: "OK"}})
}

// handleOSList serves GET /connect/catalog/oslist.
func (s *Server) handleOSList(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	list := make([]osWire, 0, len(s.oses))
	for _, o := range s.oses {
		list = append(list, osWire(o))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, osListResponse{OSList: list, envelope: envelope{ResponseCode: 0, ResponseMessage: "OK"}})
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
		return nil, fmt.Errorf("nexwaytest: unknown enum value %d", v)
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
		return fmt.Errorf("nexwaytest: unknown %s %q (want one of %s)", what, name, strings.Join(names, ", "))
	}
	var n int
	if err := json.Unmarshal(b, &n); err != nil || n < 0 || n >= len(names) {
		return errors.New("nexwaytest: invalid " + what)
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
