package feed

import (
	"strconv"
	"strings"

	"github.com/nexway-go/nexway"
)

// Product is one product of the product feed. The CSV feed fills the
// fields of the columns it has (the partner picks them in Cocoon); the XML
// feed fills ProductRef, Name, PublisherName, Descriptions, Languages, DRM
// and DigitalLocker, the only elements Nexway's sources name, and keeps the
// whole element in Raw.
//
// Nexway does not document the format of dates, licence lifetimes,
// memory or disk space, so those are kept as sent.
type Product struct {
	// Line is where the product starts in the feed (1-based).
	Line int

	ProductRef       nexway.ProductRef // "Product ID": the productRef of the API
	PublisherID      string            // "Publisher ID"
	PublisherName    string            // "Publisher name"; XML <publisher>
	Name             string            // "Name"; XML <name>
	Misc             string            // "Misc"
	CreationDate     string            // "Creation date" in Nexway's catalog
	LicenseLifetime  string            // "License lifetime", when the product has one
	Keywords         string            // "Keywords", for the HTML meta keywords tag
	Users            int               // "Number of users" the license covers; 0 when not given
	Version          string            // "Version"
	EAN              string            // "Code_EAN": EAN-13 of the boxed product
	Type             ProductType       // "Type": for sale, freeware or shareware
	ReleaseDate      string            // "Release date"
	TotalSize        *Decimal          // "Total size" of the download, in megabytes
	Descriptions     []Description
	Languages        []string // "Language" (or "Description language"): ':'-separated list
	SmallImage       string   // "Small image": URL relative to https://www.nexway.com/images/picto/
	MediumImage      string   // "Medium image": URL relative to https://www.nexway.com/images/homepage/
	BigImage         string   // "Big image": relative URL
	Screenshots      []string // "Screenshots": relative URLs, ':'-separated
	Categories       []int    // "Categories": ids for nexway.CatalogService.Categories
	Price            *Decimal // "Price wo.VAT": the current sale price, excluding tax
	PublicPrice      *Decimal // "Price public wo.VAT": the publisher's recommended price, excluding tax
	Currency         string   // "Currency" of Price and PublicPrice (ISO 4217)
	RetailerPrice    *Decimal // "Retailer price": what Nexway invoices the partner per unit, excluding tax
	RetailerCurrency string   // "Retailer price Currency"
	Memory           string   // "System requirements _ Memory"
	DiskSpace        string   // "System requirements _ Disk space"
	OperatingSystems []int    // "System requirements _ Operating system": ids for nexway.CatalogService.OperatingSystems
	DRM              string   // XML <drm>, e.g. "Uplay (Ubisoft)"
	DigitalLocker    bool     // XML <deliveryMode><digitalLocker>1</digitalLocker>

	// Extra holds the CSV columns this package does not know (promotions,
	// pre-orders and DRM have undocumented names), by header name, and the
	// text of a value that could not be decoded.
	Extra map[string]string
	// Raw is the inner XML of the product element; nil for CSV.
	Raw []byte
}

// Description is a product's description in one language.
type Description struct {
	// Language is the language code ("EN"), or "" for the CSV columns
	// "Short description" and "Long description", which are in the feed's
	// selected language (see Product.Languages).
	Language string
	Short    string
	Long     string
}

// Description returns the description in language (case does not
// matter), or else the one without a language, or else the zero value.
func (p *Product) Description(language string) Description {
	var fallback Description
	for _, d := range p.Descriptions {
		if strings.EqualFold(d.Language, language) {
			return d
		}
		if d.Language == "" {
			fallback = d
		}
	}
	return fallback
}

// ProductType is the feed's "Type" column.
type ProductType int

// Product types. Other values are kept as sent.
const (
	ForSale   ProductType = 1
	Freeware  ProductType = 3
	Shareware ProductType = 4
)

// String returns "for sale", "freeware", "shareware", or the number.
func (t ProductType) String() string {
	switch t {
	case ForSale:
		return "for sale"
	case Freeware:
		return "freeware"
	case Shareware:
		return "shareware"
	}
	return strconv.Itoa(int(t))
}
