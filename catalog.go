package nexway

import (
	"context"
	"net/http"
)

// CatalogService lists the category and operating-system ids the product
// feed refers to. Nexway enriches both over time: refresh them regularly.
type CatalogService service

// Categories is the answer to CatalogService.Categories. The list is read
// under "categoryList" (Nexway's REST sample) or "categories" (the legacy
// API's name).
type Categories struct {
	Envelope
	Categories []Category `json:"categoryList" alt:"categories"`
}

// Category is a product category and its subcategories, read under
// "Subcategory list" (the key of Nexway's REST sample, with its space) or
// "subcategory" (the legacy API's). An id sent as a string of digits is
// read as a number.
type Category struct {
	ID            int        `json:"id" essential:"id"`
	Label         string     `json:"label"`
	Subcategories []Category `json:"Subcategory list,omitempty" alt:"subcategory"`
}

// maxCategoryDepth bounds the category tree: Nexway's has two or three
// levels, and a deeper one is refused rather than handed on.
const maxCategoryDepth = 32

// validResponse refuses a tree deeper than maxCategoryDepth.
func (c *Categories) validResponse() bool { return treeDepth(c.Categories) <= maxCategoryDepth }

func treeDepth(cs []Category) int {
	depth := 0
	for _, c := range cs {
		depth = max(depth, treeDepth(c.Subcategories))
	}
	if len(cs) > 0 {
		depth++
	}
	return depth
}

// OperatingSystems is the answer to CatalogService.OperatingSystems. Ids
// are read from numbers or strings of digits (see Envelope).
type OperatingSystems struct {
	Envelope
	OperatingSystems []OperatingSystem `json:"osList"`
}

// OperatingSystem is an operating system a product can require.
type OperatingSystem struct {
	ID    int    `json:"id" essential:"id"`
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
