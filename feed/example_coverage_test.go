package feed

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"
)

// Every exported function and method of the package has an Example with
// an // Output: comment, named ExampleF or ExampleT_M (a suffix after a
// further underscore allowed), so that a new one without fails here.
func TestEveryFunctionHasExample(t *testing.T) {
	t.Parallel()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var funcs []string
	examples := map[string]bool{}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		test := strings.HasSuffix(name, "_test.go")
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			switch {
			case test && fd.Recv == nil && strings.HasPrefix(fd.Name.Name, "Example") && hasOutput(f, fd):
				examples[fd.Name.Name] = true
			case !test && fd.Name.IsExported():
				if fd.Recv == nil {
					funcs = append(funcs, fd.Name.Name)
				} else if recv := receiver(fd.Recv); ast.IsExported(recv) {
					funcs = append(funcs, recv+"_"+fd.Name.Name)
				}
			}
		}
	}
	if len(funcs) < 20 {
		t.Fatalf("found %d functions and methods only: %v", len(funcs), funcs)
	}
	for _, fn := range funcs {
		found := examples["Example"+fn]
		for e := range examples {
			found = found || strings.HasPrefix(e, "Example"+fn+"_")
		}
		if !found {
			t.Errorf("%s has no Example%s with an // Output: comment", strings.Replace(fn, "_", ".", 1), fn)
		}
	}
}

// receiver names the type of a method's receiver.
func receiver(r *ast.FieldList) string {
	typ := r.List[0].Type
	if star, ok := typ.(*ast.StarExpr); ok {
		typ = star.X
	}
	if id, ok := typ.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// hasOutput reports whether the Example's body has an // Output: comment.
func hasOutput(f *ast.File, fd *ast.FuncDecl) bool {
	for _, cg := range f.Comments {
		if cg.Pos() > fd.Body.Lbrace && cg.End() < fd.Body.Rbrace && strings.Contains(cg.Text(), "Output:") {
			return true
		}
	}
	return false
}
