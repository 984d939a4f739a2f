package nexway

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestCatalogCategories(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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

// deepCategories returns an answer whose tree is depth levels deep, the
// keys of the two sources alternating.
func deepCategories(depth int) string {
	var b strings.Builder
	b.WriteString(`{"responseCode":0,"categoryList":`)
	for i := range depth {
		key := "Subcategory list"
		if i%2 == 1 {
			key = "subcategory"
		}
		fmt.Fprintf(&b, `[{"id":%d,"label":"L%d","%s":`, i+1, i+1, key)
	}
	b.WriteString(`[]`)
	b.WriteString(strings.Repeat(`}]`, depth))
	b.WriteString(`}`)
	return b.String()
}

// A tree is read in one pass to a depth of 32 levels; a deeper one, which
// no Nexway answer has, is refused rather than decoded again at every level.
func TestCategoryDepthBounded(t *testing.T) {
	t.Parallel()
	var out Categories
	if err := decodeAs(opCategories, []byte(deepCategories(maxCategoryDepth)), &out); err != nil {
		t.Fatalf("%d levels: %v", maxCategoryDepth, err)
	}
	depth, c := 0, out.Categories
	for len(c) == 1 {
		depth++
		if c[0].ID != depth {
			t.Fatalf("level %d has id %d", depth, c[0].ID)
		}
		c = c[0].Subcategories
	}
	if depth != maxCategoryDepth {
		t.Errorf("read %d levels, want %d", depth, maxCategoryDepth)
	}
	for _, n := range []int{maxCategoryDepth + 1, 4000} {
		if err := decodeAs(opCategories, []byte(deepCategories(n)), &Categories{}); !errors.Is(err, ErrInvalidResponse) {
			t.Errorf("%d levels: %v, want ErrInvalidResponse", n, err)
		}
	}
}

// The cost of a deep tree grows with its size, not with depth × size.
func BenchmarkDeepCategories(b *testing.B) {
	for _, n := range []int{maxCategoryDepth, 4000} {
		body := []byte(deepCategories(n))
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				_ = decodeAs(opCategories, body, &Categories{})
			}
		})
	}
}
