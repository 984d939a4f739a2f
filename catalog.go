package nexway

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
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

// maxCategoryDepth bounds the category tree: Nexway's has two or three
// levels, and a hostile answer must not cost more than its size.
const maxCategoryDepth = 32

// categoryWire is a category as sent: the subcategories come under
// "Subcategory list", the key of Nexway's REST sample, or "subcategory",
// the legacy API's. Decoding it is one pass over the answer; a custom
// UnmarshalJSON on Category would scan every subtree again at every level.
type categoryWire struct {
	ID     flexNumber     `json:"id"`
	Label  string         `json:"label"`
	List   []categoryWire `json:"Subcategory list"`
	Legacy []categoryWire `json:"subcategory"`
}

var errCategoryDepth = errors.New("category tree deeper than " + strconv.Itoa(maxCategoryDepth) + " levels")

// categoriesOf converts a decoded level of the tree.
func categoriesOf(ws []categoryWire, depth int) ([]Category, error) {
	if len(ws) == 0 {
		return nil, nil // an empty list and no list mean the same
	}
	if depth > maxCategoryDepth {
		return nil, errCategoryDepth
	}
	out := make([]Category, len(ws))
	for i, w := range ws {
		sub := w.List
		if len(sub) == 0 {
			sub = w.Legacy
		}
		subs, err := categoriesOf(sub, depth+1)
		if err != nil {
			return nil, err
		}
		out[i] = Category{ID: int(w.ID), Label: w.Label, Subcategories: subs}
	}
	return out, nil
}

// UnmarshalJSON reads the answer in one pass, with subcategories under
// either key, and fails on a tree deeper than 32 levels.
func (c *Categories) UnmarshalJSON(b []byte) error {
	var w struct {
		ResponseCode    int            `json:"responseCode"`
		ResponseMessage string         `json:"responseMessage"`
		List            []categoryWire `json:"categoryList"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	list, err := categoriesOf(w.List, 1)
	if err != nil {
		return err
	}
	c.ResponseCode, c.ResponseMessage, c.Categories = w.ResponseCode, w.ResponseMessage, list
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
