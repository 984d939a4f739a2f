package nexwaytest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Tests on the package's source rather than its behaviour: what go doc
// shows, what the fake may import, and what its comments may cite.

// sourceFile is one parsed .go file of the package directory.
type sourceFile struct {
	name string
	file *ast.File
	fset *token.FileSet
}

// packageFiles parses every .go file of the package directory, tests
// included.
func packageFiles(t *testing.T) []sourceFile {
	t.Helper()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []sourceFile
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") {
			continue
		}
		f, err := parser.ParseFile(fset, e.Name(), nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, sourceFile{name: e.Name(), file: f, fset: fset})
	}
	if len(files) == 0 {
		t.Fatal("no Go files found")
	}
	return files
}

// gap is an exported name without a doc comment.
type gap struct {
	pos  token.Position
	name string // Name, Type.Method or Type.Field
}

func (g gap) String() string { return g.pos.String() + ": " + g.name }

// undocumented lists the exported names of a file that go doc shows
// without a comment: types, functions and methods of exported types (whose
// comment must start with their name), fields of exported structs, methods
// of exported interfaces, constants and variables (each one of a
// parenthesized group needs its own comment).
func undocumented(f *ast.File, fset *token.FileSet) []gap {
	var gaps []gap
	add := func(pos token.Pos, name string) { gaps = append(gaps, gap{fset.Position(pos), name}) }
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			name := d.Name.Name
			if d.Recv != nil {
				name = receiverType(d.Recv) + "." + name
			}
			if !ast.IsExported(strings.Split(name, ".")[0]) || !d.Name.IsExported() {
				continue
			}
			if d.Doc == nil || !strings.HasPrefix(d.Doc.Text(), d.Name.Name+" ") {
				add(d.Pos(), name)
			}
		case *ast.GenDecl:
			lone := d.Lparen == token.NoPos // the decl's comment is the spec's
			for _, spec := range d.Specs {
				switch spec := spec.(type) {
				case *ast.TypeSpec:
					if !spec.Name.IsExported() {
						continue
					}
					if spec.Doc == nil && !(lone && d.Doc != nil) {
						add(spec.Pos(), spec.Name.Name)
					}
					for _, m := range undocumentedMembers(spec) {
						add(m.Pos(), spec.Name.Name+"."+m.Name)
					}
				case *ast.ValueSpec:
					for _, n := range spec.Names {
						if n.IsExported() && spec.Doc == nil && spec.Comment == nil && !(lone && d.Doc != nil) {
							add(n.Pos(), n.Name)
						}
					}
				}
			}
		}
	}
	return gaps
}

// undocumentedMembers returns the exported fields of a struct type, or the
// methods of an interface type, that have no comment.
func undocumentedMembers(spec *ast.TypeSpec) []*ast.Ident {
	var fields *ast.FieldList
	switch t := spec.Type.(type) {
	case *ast.StructType:
		fields = t.Fields
	case *ast.InterfaceType:
		fields = t.Methods
	default:
		return nil
	}
	var missing []*ast.Ident
	for _, fld := range fields.List {
		names := fld.Names
		if len(names) == 0 { // embedded
			names = []*ast.Ident{{Name: typeName(fld.Type), NamePos: fld.Pos()}}
		}
		for _, n := range names {
			if ast.IsExported(n.Name) && fld.Doc == nil && fld.Comment == nil {
				missing = append(missing, n)
			}
		}
	}
	return missing
}

// receiverType is the name of a method's receiver type.
func receiverType(recv *ast.FieldList) string { return typeName(recv.List[0].Type) }

func typeName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.StarExpr:
		return typeName(e.X)
	case *ast.IndexExpr: // generic receiver
		return typeName(e.X)
	case *ast.SelectorExpr:
		return e.Sel.Name
	case *ast.Ident:
		return e.Name
	}
	return ""
}

// Everything go doc shows of the package has a comment, so pkg.go.dev is
// a complete manual of the fake.
func TestExportedNamesDocumented(t *testing.T) {
	t.Parallel()
	for _, sf := range packageFiles(t) {
		if strings.HasSuffix(sf.name, "_test.go") {
			continue
		}
		for _, g := range undocumented(sf.file, sf.fset) {
			t.Errorf("%s: no doc comment, or one that does not start with the name", g)
		}
	}
}

// The checker itself finds what it must: an undocumented function, type,
// field, interface method and grouped constant, and accepts their
// documented forms.
func TestUndocumentedFinds(t *testing.T) {
	t.Parallel()
	const src = `package p

func Bare() {}

// Wrong name first.
func Named() {}

// Documented does something.
func Documented() {}

type T struct {
	// A is documented.
	A int
	B int // B too.
	C, D string
	e int
}

// I is documented.
type I interface {
	M()
}

// Group doc alone does not document each constant.
const (
	K1 = 1 // K1 is documented.
	K2 = 2
)

// V is documented.
var V = 1

func (T) Method() {}

type hidden struct{ Exported int }

func (hidden) Method() {}
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range undocumented(f, fset) {
		got = append(got, g.name)
	}
	want := []string{"Bare", "Named", "T", "T.C", "T.D", "I.M", "K2", "T.Method"}
	if !slices.Equal(got, want) {
		t.Errorf("found %q, want %q", got, want)
	}
}

// No exported type embeds another: an embedded type's methods and fields
// would be promoted, and go doc does not show them on the outer type,
// which is how Server once hid its knobs.
func TestNoExportedTypeEmbeds(t *testing.T) {
	t.Parallel()
	for _, sf := range packageFiles(t) {
		if strings.HasSuffix(sf.name, "_test.go") {
			continue
		}
		ast.Inspect(sf.file, func(n ast.Node) bool {
			spec, ok := n.(*ast.TypeSpec)
			if !ok || !spec.Name.IsExported() {
				return true
			}
			if st, ok := spec.Type.(*ast.StructType); ok {
				for _, fld := range st.Fields.List {
					if len(fld.Names) == 0 {
						t.Errorf("%s: %s embeds %s", sf.fset.Position(fld.Pos()), spec.Name.Name, typeName(fld.Type))
					}
				}
			}
			return false
		})
	}
}

// modulePath is the module whose packages the fake must not import.
const modulePath = "github.com/nexway-go/nexway"

// clientFile is the one file that builds the Server's *nexway.Client.
const clientFile = "server.go"

// feedWriter is the one package of the module the fake may import: it
// writes the product feed's text and imports nothing of the client but
// the column table (feedTable) that the decoder reads headers with, whose
// spelling its own test checks against Nexway's documentation.
const (
	feedWriter = modulePath + "/internal/feedgen"
	feedTable  = modulePath + "/internal/feedcol"
)

// The fake has wire structs of its own and never the client's (nor
// another package of the module's but feedWriter): a wrong JSON tag on
// either side must fail a test, not cancel out. Only the file that builds
// the Client imports the client package; tests outside the package
// (package nexwaytest_test) may.
func TestFakeDoesNotImportTheClient(t *testing.T) {
	t.Parallel()
	for _, sf := range packageFiles(t) {
		if sf.file.Name.Name != "nexwaytest" {
			continue // an external test package
		}
		for _, imp := range sf.file.Imports {
			path, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				t.Fatal(err)
			}
			if path != modulePath && !strings.HasPrefix(path, modulePath+"/") {
				continue
			}
			if (sf.name == clientFile && path == modulePath) || path == feedWriter {
				continue
			}
			t.Errorf("%s imports %s: only %s may import the client package", sf.name, path, clientFile)
		}
	}
	dir := filepath.Join("..", strings.TrimPrefix(feedWriter, modulePath+"/"))
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, e.Name()), nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if path, _ := strconv.Unquote(imp.Path.Value); path != feedTable && (path == modulePath || strings.HasPrefix(path, modulePath+"/")) {
				t.Errorf("%s imports %s: the feed writer the fake uses must not import the module but the column table", e.Name(), path)
			}
		}
	}
}

// citation matches a section sign or a Markdown file name: how notes that
// are not in the repository get cited.
var citation = regexp.MustCompile(`§|\b[\w-]+\.md\b`)

// Comments cite what a reader can open: Nexway's documentation URLs, not
// sections of notes outside the repository; and none names an internal
// package, which a user of pkg.go.dev cannot open either.
func TestCommentsCiteOnlyWhatReadersCanOpen(t *testing.T) {
	t.Parallel()
	for _, sf := range packageFiles(t) {
		for _, cg := range sf.file.Comments {
			text := cg.Text()
			if m := citation.FindString(text); m != "" {
				t.Errorf("%s: comment cites %q: give Nexway's URL or the fact", sf.fset.Position(cg.Pos()), m)
			}
			if strings.Contains(text, "internal/") {
				t.Errorf("%s: comment names an internal package", sf.fset.Position(cg.Pos()))
			}
		}
	}
}
