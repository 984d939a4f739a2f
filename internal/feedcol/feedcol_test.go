package feedcol

import (
	"slices"
	"testing"
)

// The headers as Nexway's documentation of feed v2.4 spells them, in its
// order: the one copy of the table kept on purpose, to check it.
var documented = []string{
	"Product ID", "Publisher ID", "Publisher name", "Name", "Misc", "Creation date", "License lifetime",
	"Keywords", "Number of users", "Version", "Code_EAN", "Type", "Release date", "Total size",
	"Short description", "Long description", "Language", "Small image", "Medium image", "Big image",
	"Screenshots", "Categories", "Price wo.VAT", "Price public wo.VAT", "Currency", "Retailer price",
	"Retailer price Currency", "System requirements _ Memory", "System requirements _ Disk space",
	"System requirements _ Operating system",
}

func TestHeadersAsDocumented(t *testing.T) {
	if got := Headers(); !slices.Equal(got, documented) {
		t.Fatalf("Headers() = %q\nwant %q", got, documented)
	}
	for i, h := range documented {
		k := Kind(i + 1)
		if Exact(h) != k || Lookup(h) != k || k.Header() != h {
			t.Errorf("%q: Exact %d, Lookup %d, Header %q; want kind %d", h, Exact(h), Lookup(h), k.Header(), k)
		}
	}
}

func TestLookupTolerance(t *testing.T) {
	for header, want := range map[string]Kind{
		"product id": ProductID, "PRODUCT_ID": ProductID, "Price wo. VAT": Price, "Code EAN": EAN,
		"Description language": Language, "Promotion end": Unknown, "": Unknown,
	} {
		if got := Lookup(header); got != want {
			t.Errorf("Lookup(%q) = %d, want %d", header, got, want)
		}
	}
	if Exact("product id") != Unknown || Kind(200).Header() != "" || Unknown.Header() != "" {
		t.Error("Exact is not byte for byte, or Header of an unknown kind is not empty")
	}
}
