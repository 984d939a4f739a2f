package feed

import (
	"strings"
	"testing"

	"github.com/nexway-go/nexway/internal/exampletest"
)

// Every exported function and method of the package has an Example with
// an // Output: comment, named ExampleF or ExampleT_M (a suffix after a
// further underscore allowed), so that a new one without fails here.
func TestEveryFunctionHasExample(t *testing.T) {
	p, err := exampletest.Read(".")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Funcs) < 20 {
		t.Fatalf("found %d functions and methods only: %v", len(p.Funcs), p.Funcs)
	}
	for _, fn := range p.Funcs {
		if !p.HasExample(fn) {
			t.Errorf("%s has no Example%s with an // Output: comment", strings.Replace(fn, "_", ".", 1), fn)
		}
	}
}
