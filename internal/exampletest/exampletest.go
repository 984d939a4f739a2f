// Package exampletest finds a package's exported functions and methods and
// its checked Examples, so that a package's own test can require an Example
// for each of them: a new function without one then fails that test.
package exampletest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Package is what Read found in one directory.
type Package struct {
	// Funcs are the exported functions ("F") and the exported methods of
	// exported types ("T_M") of the package's non-test files, sorted.
	Funcs []string
	// Fields maps each struct type to the types its exported pointer
	// fields point to ("Client" -> "OrdersService", ...).
	Fields map[string][]string
	// examples holds the Examples whose body has an "// Output:" comment,
	// the only ones go test runs and checks.
	examples map[string]bool
}

// Read parses the Go files of dir. It fails on a file that does not parse.
func Read(dir string) (*Package, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	p := &Package{Fields: map[string][]string{}, examples: map[string]bool{}}
	fset := token.NewFileSet()
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		test := strings.HasSuffix(name, "_test.go")
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.GenDecl:
				if !test {
					p.addFields(d)
				}
			case *ast.FuncDecl:
				switch {
				case test && d.Recv == nil && strings.HasPrefix(d.Name.Name, "Example") && hasOutput(f, d):
					p.examples[d.Name.Name] = true
				case test || !d.Name.IsExported():
				case d.Recv == nil:
					p.Funcs = append(p.Funcs, d.Name.Name)
				case ast.IsExported(receiver(d.Recv)):
					p.Funcs = append(p.Funcs, receiver(d.Recv)+"_"+d.Name.Name)
				}
			}
		}
	}
	slices.Sort(p.Funcs)
	return p, nil
}

// HasExample reports whether fn ("F" or "T_M") has a checked Example,
// named ExampleF or ExampleT_M, with or without a further "_suffix".
func (p *Package) HasExample(fn string) bool {
	if p.examples["Example"+fn] {
		return true
	}
	for e := range p.examples {
		if strings.HasPrefix(e, "Example"+fn+"_") {
			return true
		}
	}
	return false
}

// addFields records the pointer field types of the struct types d declares.
func (p *Package) addFields(d *ast.GenDecl) {
	for _, spec := range d.Specs {
		ts, ok := spec.(*ast.TypeSpec)
		if !ok {
			continue
		}
		st, ok := ts.Type.(*ast.StructType)
		if !ok {
			continue
		}
		for _, field := range st.Fields.List {
			star, ok := field.Type.(*ast.StarExpr)
			if !ok || len(field.Names) == 0 || !field.Names[0].IsExported() {
				continue
			}
			if id, ok := star.X.(*ast.Ident); ok {
				p.Fields[ts.Name.Name] = append(p.Fields[ts.Name.Name], id.Name)
			}
		}
	}
}

// receiver names the type of a method's receiver, without the pointer.
func receiver(r *ast.FieldList) string {
	typ := r.List[0].Type
	if star, ok := typ.(*ast.StarExpr); ok {
		typ = star.X
	}
	if idx, ok := typ.(*ast.IndexExpr); ok { // a generic type's method
		typ = idx.X
	}
	if id, ok := typ.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// hasOutput reports whether the Example's body has an "// Output:" or
// "// Unordered output:" comment.
func hasOutput(f *ast.File, fd *ast.FuncDecl) bool {
	for _, cg := range f.Comments {
		if cg.Pos() < fd.Body.Lbrace || cg.End() > fd.Body.Rbrace {
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
