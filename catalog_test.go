package nexway

import (
	"errors"
	"net/http"
	"reflect"
	"testing"
)

func TestCatalogCategories(t *testing.T) {
	// The official sample uses "Subcategory list"; the legacy API "subcategory".
	// A deeper level, which no source shows, is read the same way.
	const sample = `{"responseCode":0,"responseMessage":"OK","categoryList":[
	  {"id":7466,"label":"Anti-Virus & Security","Subcategory list":[{"id":7467,"label":"Antivirus"}]},
	  {"id":"7470","label":"Games","subcategory":[{"id":7471,"label":"Strategy",
	    "Subcategory list":[{"id":7472,"label":"Real-time"}]}]}]}`
	m := newMock(t, withCreds)
	m.RegisterResponder(http.MethodGet, testBase+"connect/catalog/categories/EN", respond(200, sample, func(r *http.Request) {
		checkHeaders(t, r, "Bearer tok-1", false)
	}))
	got, err := m.c.Catalog.Categories(bg, "EN")
	if err != nil {
		t.Fatal(err)
	}
	want := []Category{
		{ID: 7466, Label: "Anti-Virus & Security", Subcategories: []Category{{ID: 7467, Label: "Antivirus"}}},
		{ID: 7470, Label: "Games", Subcategories: []Category{{ID: 7471, Label: "Strategy",
			Subcategories: []Category{{ID: 7472, Label: "Real-time"}}}}},
	}
	if !reflect.DeepEqual(got.Categories, want) {
		t.Errorf("categories = %+v", got.Categories)
	}
	if _, err := m.c.Catalog.Categories(bg, "E/N"); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("language with a slash: %v", err)
	}
}

func TestCatalogOperatingSystems(t *testing.T) {
	m := newMock(t, withCreds)
	m.RegisterResponder(http.MethodGet, testBase+"connect/catalog/oslist",
		respond(200, `{"responseCode":0,"responseMessage":"OK","osList":[{"id":63,"label":"Win 10 32/64 bits"}]}`, func(r *http.Request) {
			checkHeaders(t, r, "Bearer tok-1", false)
		}))
	got, err := m.c.Catalog.OperatingSystems(bg)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.OperatingSystems, []OperatingSystem{{63, "Win 10 32/64 bits"}}) {
		t.Errorf("os list = %+v", got.OperatingSystems)
	}
}
