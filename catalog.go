package nexway

import (
	"context"
	"encoding/json"
	"net/http"
)

// CatalogService lists the category and operating-system ids the product
// feed refers to. Nexway enriches both over time: refresh them regularly.
type CatalogService service

// Categories is the answer to CatalogService.Categories.
type Categories struct {
	Envelope
	Categories []Category `json:"categoryList"`
}

// Category is a product category and its subcategories.
type Category struct {
	ID            int        `json:"id"`
	Label         string     `json:"label"`
	Subcategories []Category `json:"Subcategory list,omitempty"`
}

// UnmarshalJSON reads the subcategories under "Subcategory list", the key
// of Nexway's REST sample, or "subcategory", the legacy API's.
func (c *Category) UnmarshalJSON(b []byte) error {
	var w struct {
		ID     json.RawMessage `json:"id"`
		Label  string          `json:"label"`
		List   []Category      `json:"Subcategory list"`
		Legacy []Category      `json:"subcategory"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	id, err := flexInt(w.ID)
	if err != nil {
		return err
	}
	c.ID, c.Label, c.Subcategories = int(id), w.Label, w.List
	if len(c.Subcategories) == 0 {
		c.Subcategories = w.Legacy
	}
	if len(c.Subcategories) == 0 {
		c.Subcategories = nil // an empty list and no list mean the same
	}
	return nil
}

// OperatingSystems is the answer to CatalogService.OperatingSystems.
type OperatingSystems struct {
	Envelope
	OperatingSystems []OperatingSystem `json:"osList"`
}

// OperatingSystem is an operating system a product can require.
type OperatingSystem struct {
	ID    int    `json:"id"`
	Label string `json:"label"`
}

// Categories lists the categories with labels in language (e.g. "EN").
func (s *CatalogService) Categories(ctx context.Context, language string, opts ...CallOption) (*Categories, error) {
	if why := languagesProblem(language); why != "" {
		return nil, invalid("language", why)
	}
	var out Categories
	k := &call{op: opCategories, method: http.MethodGet, path: "connect/catalog/categories/" + pathEscape(language), out: &out, opts: opts}
	if err := s.client.do(ctx, k); err != nil {
		return nil, err
	}
	return &out, nil
}

// OperatingSystems lists the operating systems.
func (s *CatalogService) OperatingSystems(ctx context.Context, opts ...CallOption) (*OperatingSystems, error) {
	var out OperatingSystems
	k := &call{op: opOperatingSystems, method: http.MethodGet, path: "connect/catalog/oslist", out: &out, opts: opts}
	if err := s.client.do(ctx, k); err != nil {
		return nil, err
	}
	return &out, nil
}
