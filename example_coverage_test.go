package nexway

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"slices"
	"strings"
	"testing"
)

// Every exported method of Client and of each service its fields hold has
// a checked Example, named ExampleXService_Method (a suffix after a further
// underscore allowed), so that a new method without one fails here.
func TestEveryMethodHasExample(t *testing.T) {
	t.Parallel()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	types := map[string]bool{"Client": true}
	var methods []string
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
			switch d := d.(type) {
			case *ast.GenDecl:
				if !test {
					serviceFields(d, types)
				}
			case *ast.FuncDecl:
				switch {
				case test && d.Recv == nil && strings.HasPrefix(d.Name.Name, "Example") && hasOutput(f, d):
					examples[d.Name.Name] = true
				case !test && d.Recv != nil && d.Name.IsExported():
					methods = append(methods, recvName(d.Recv)+"_"+d.Name.Name)
				}
			}
		}
	}
	if len(types) < 8 { // Client and its seven services
		t.Fatalf("found the types %v only: is Client's layout read right?", types)
	}
	slices.Sort(methods)
	checked := 0
	for _, m := range methods {
		if !types[strings.Split(m, "_")[0]] {
			continue
		}
		checked++
		found := examples["Example"+m]
		for e := range examples {
			found = found || strings.HasPrefix(e, "Example"+m+"_")
		}
		if !found {
			t.Errorf("%s has no Example%s with an // Output: comment", strings.Replace(m, "_", ".", 1), m)
		}
	}
	if checked == 0 {
		t.Fatal("no method checked")
	}
}

// serviceFields adds to types the type of each exported field of Client
// that points to a *...Service.
func serviceFields(d *ast.GenDecl, types map[string]bool) {
	for _, spec := range d.Specs {
		ts, ok := spec.(*ast.TypeSpec)
		if !ok || ts.Name.Name != "Client" {
			continue
		}
		st, ok := ts.Type.(*ast.StructType)
		if !ok {
			continue
		}
		for _, field := range st.Fields.List {
			star, ok := field.Type.(*ast.StarExpr)
			if !ok {
				continue
			}
			if id, ok := star.X.(*ast.Ident); ok && strings.HasSuffix(id.Name, "Service") && len(field.Names) > 0 && field.Names[0].IsExported() {
				types[id.Name] = true
			}
		}
	}
}

// recvName is the name of a method's receiver type, without the pointer.
func recvName(recv *ast.FieldList) string {
	t := recv.List[0].Type
	if star, ok := t.(*ast.StarExpr); ok {
		t = star.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// hasOutput reports whether the example's body has an "// Output:" comment,
// so that go test runs and checks it.
func hasOutput(f *ast.File, d *ast.FuncDecl) bool {
	for _, cg := range f.Comments {
		if cg.Pos() < d.Body.Lbrace || cg.End() > d.Body.Rbrace {
			continue
		}
		for _, c := range cg.List {
			text := strings.TrimSpace(strings.TrimPrefix(c.Text, "//"))
			if strings.HasPrefix(text, "Output:") || strings.HasPrefix(text, "Unordered output:") {
				return true
			}
		}
	}
	return false
}
