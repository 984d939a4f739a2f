// Package feedcol is the table of the product feed's CSV columns, as
// Nexway documents them for feed version 2.4: the decoder of package feed
// reads headers with it, and internal/feedgen writes them with it, so that
// the two cannot drift apart. Whether the names are Nexway's own is checked
// against the reference in the tests of both.
package feedcol

import "strings"

// Kind is what a CSV column holds.
type Kind uint8

// Column kinds, in the documentation's order.
const (
	Unknown Kind = iota
	ProductID
	PublisherID
	PublisherName
	Name
	Misc
	CreationDate
	LicenseLifetime
	Keywords
	Users
	Version
	EAN
	Type
	ReleaseDate
	TotalSize
	ShortDescription
	LongDescription
	Language
	SmallImage
	MediumImage
	BigImage
	Screenshots
	Categories
	Price
	PublicPrice
	Currency
	RetailerPrice
	RetailerCurrency
	Memory
	DiskSpace
	OS
	count
)

// headers are the documented headers, as Nexway spells them.
var headers = [count]string{
	ProductID:        "Product ID",
	PublisherID:      "Publisher ID",
	PublisherName:    "Publisher name",
	Name:             "Name",
	Misc:             "Misc",
	CreationDate:     "Creation date",
	LicenseLifetime:  "License lifetime",
	Keywords:         "Keywords",
	Users:            "Number of users",
	Version:          "Version",
	EAN:              "Code_EAN",
	Type:             "Type",
	ReleaseDate:      "Release date",
	TotalSize:        "Total size",
	ShortDescription: "Short description",
	LongDescription:  "Long description",
	Language:         "Language",
	SmallImage:       "Small image",
	MediumImage:      "Medium image",
	BigImage:         "Big image",
	Screenshots:      "Screenshots",
	Categories:       "Categories",
	Price:            "Price wo.VAT",
	PublicPrice:      "Price public wo.VAT",
	Currency:         "Currency",
	RetailerPrice:    "Retailer price",
	RetailerCurrency: "Retailer price Currency",
	Memory:           "System requirements _ Memory",
	DiskSpace:        "System requirements _ Disk space",
	OS:               "System requirements _ Operating system",
}

// Header returns the documented header of k, "" for Unknown.
func (k Kind) Header() string {
	if k >= count {
		return ""
	}
	return headers[k]
}

// Headers returns every documented header, in the documentation's order.
func Headers() []string {
	out := make([]string, 0, count-1)
	for k := ProductID; k < count; k++ {
		out = append(out, headers[k])
	}
	return out
}

// Exact returns the kind whose documented header is name, byte for byte,
// or Unknown.
func Exact(name string) Kind {
	for k := ProductID; k < count; k++ {
		if headers[k] == name {
			return k
		}
	}
	return Unknown
}

// byKey maps the Key of each documented header, and of "Description
// language", the older name of "Language", to its kind.
var byKey = func() map[string]Kind {
	m := make(map[string]Kind, count)
	for k := ProductID; k < count; k++ {
		m[Key(headers[k])] = k
	}
	m["descriptionlanguage"] = Language
	return m
}()

// Lookup returns the kind of a header as a feed may spell it: case,
// spaces and punctuation do not matter, so "Price wo. VAT" and "Code EAN"
// are recognised too.
func Lookup(header string) Kind { return byKey[Key(header)] }

// Key keeps the ASCII letters and digits of a header name, in lower case,
// and any other letter as it is.
func Key(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + 'a' - 'A')
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r >= 0x80:
			b.WriteRune(r)
		}
	}
	return b.String()
}
