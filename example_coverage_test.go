package nexway

import (
	"strings"
	"testing"

	"github.com/nexway-go/nexway/internal/exampletest"
)

// Every exported method of Client and of each service its fields hold has
// a checked Example, named ExampleXService_Method (a suffix after a further
// underscore allowed), so that a new method without one fails here.
func TestEveryMethodHasExample(t *testing.T) {
	t.Parallel()
	p, err := exampletest.Read(".")
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]bool{"Client": true}
	for _, f := range p.Fields["Client"] {
		if strings.HasSuffix(f, "Service") {
			types[f] = true
		}
	}
	if len(types) < 8 { // Client and its seven services
		t.Fatalf("found the types %v only: is Client's layout read right?", types)
	}
	checked := 0
	for _, fn := range p.Funcs {
		if recv, _, ok := strings.Cut(fn, "_"); !ok || !types[recv] {
			continue
		}
		checked++
		if !p.HasExample(fn) {
			t.Errorf("%s has no Example%s with an // Output: comment", strings.Replace(fn, "_", ".", 1), fn)
		}
	}
	if checked == 0 {
		t.Fatal("no method checked")
	}
}
