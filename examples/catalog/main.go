// Catalog fills a storefront's shop from Nexway's product feed, then keeps
// it in step the next day: what was added, what changed and what was
// withdrawn.
//
// It runs on the fake Nexway of package nexwaytest, in-process, with no
// credentials and no network:
//
//	go run ./examples/catalog
//
// Day 1 downloads the feed (one file with the whole catalog), prints each
// product with its category names, resolved through the category tree of
// the API, and keeps an index of the snapshot: each product's ref and a
// hash of its content. Overnight the fake's catalog changes as Nexway's
// does; day 2 compares the new feed with the index, product by product,
// without holding either file.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/feed"
	"github.com/nexway-go/nexway/nexwaytest"
)

func main() {
	srv, err := nexwaytest.StartServer()
	if err != nil {
		fmt.Fprintln(os.Stderr, "catalog:", err)
		os.Exit(2)
	}
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, os.Stdout, srv); err != nil {
		fmt.Fprintln(os.Stderr, "catalog:", err)
		srv.Close()
		os.Exit(1)
	}
}

// shop stands for the storefront's product database.
type shop map[nexway.ProductRef]feed.Product

func run(ctx context.Context, w io.Writer, srv *nexwaytest.Server) error {
	c := srv.Client // its feed URL is the fake's; at Nexway, the one Cocoon shows
	q := &nexway.FeedQuery{Secret: nexwaytest.Secret, Provider: nexwaytest.FeedProvider, Config: nexwaytest.FeedConfig}
	tree, err := c.Catalog.Categories(ctx, "EN")
	if err != nil {
		return err
	}
	names := categoryNames(tree.Categories, "", map[int]string{})
	products := shop{}

	fmt.Fprintln(w, "Day 1: the catalog from the product feed")
	var day1 feed.Index
	// Against an empty index every product is new; day1 is filled on the way.
	for ch, err := range new(feed.Index).Compare(feed.Products(ctx, c, q, nil), &day1) {
		if err != nil {
			return err
		}
		p := ch.Product
		products[p.ProductRef] = p
		fmt.Fprintf(w, "  %d  %-27s %6s %s  %s\n", p.ProductRef, p.Name, p.Price, p.Currency, categoriesOf(p, names))
	}

	fmt.Fprintln(w, "\nOvernight Nexway withdraws Retro Racer, puts Space Trader Deluxe on promotion and adds a password manager.")
	if err := nextDay(srv); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nDay 2: what changed")
	var day2 feed.Index
	for ch, err := range day1.Compare(feed.Products(ctx, c, q, nil), &day2) {
		if err != nil {
			return err // a feed cut short: nothing is reported withdrawn
		}
		p := ch.Product
		switch ch.Kind {
		case feed.Added:
			fmt.Fprintf(w, "  added      %d  %s, %s %s, in %s\n", ch.Ref, p.Name, p.Price, p.Currency, categoriesOf(p, names))
			products[ch.Ref] = p
		case feed.Changed:
			old := products[ch.Ref]
			fmt.Fprintf(w, "  changed    %d  %s, %s -> %s %s\n", ch.Ref, p.Name, old.Price, p.Price, p.Currency)
			products[ch.Ref] = p
		case feed.Withdrawn:
			fmt.Fprintf(w, "  withdrawn  %d  %s\n", ch.Ref, products[ch.Ref].Name)
			delete(products, ch.Ref)
		}
	}
	fmt.Fprintf(w, "\n%d products on sale; today's index (%d products, %d bytes) is tomorrow's yesterday.\n",
		len(products), day2.Len(), indexSize(&day2))
	return nil
}

// nextDay changes the fake's catalog as a day at Nexway may.
func nextDay(srv *nexwaytest.Server) error {
	catalog := nexwaytest.DefaultCatalog()
	i := slices.IndexFunc(catalog, func(p nexwaytest.Product) bool { return p.Ref == 733558 })
	promo := catalog[i]
	promo.AmountDutyFree = 19.99
	if err := srv.RemoveProducts(733562); err != nil {
		return err
	}
	if err := srv.UpdateProducts(promo); err != nil {
		return err
	}
	return srv.AddProducts(nexwaytest.Product{
		Ref: 733580, Name: "Nexway Password Manager", AmountDutyFree: 16.66, Currency: "EUR",
		PublisherID: 101, PublisherName: "Nexway Labs", Categories: []int{7466}, OperatingSystems: []int{63, 64, 80},
	})
}

// categoryNames maps every category id of a tree to its path of labels.
func categoryNames(tree []nexway.Category, parent string, names map[int]string) map[int]string {
	for _, c := range tree {
		name := c.Label
		if parent != "" {
			name = parent + " > " + c.Label
		}
		names[c.ID] = name
		categoryNames(c.Subcategories, name, names)
	}
	return names
}

// categoriesOf names a product's categories; an id missing from the tree
// is shown as a number.
func categoriesOf(p feed.Product, names map[int]string) string {
	if len(p.Categories) == 0 {
		return "(no category)"
	}
	var out []string
	for _, id := range p.Categories {
		if n, ok := names[id]; ok {
			out = append(out, n)
		} else {
			out = append(out, fmt.Sprint("category ", id))
		}
	}
	return strings.Join(out, "; ")
}

// indexSize is the size of the index as kept between runs.
func indexSize(x *feed.Index) int64 {
	n, _ := x.WriteTo(io.Discard)
	return n
}
