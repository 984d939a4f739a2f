package nexway

import (
	"encoding"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// lenientField is a struct field the lenient path fills, found as
// encoding/json finds it: its index (through embedded structs), its JSON
// name, whether it has the ",string" option, and its alternative names.
type lenientField struct {
	name   string
	index  []int
	tagged bool
	quoted bool
	alts   []string
	need   need // from the `essential` tag
}

// typeInfo is what the lenient path knows of a type, computed once.
type typeInfo struct {
	unmarshaler     bool // *T implements json.Unmarshaler
	textUnmarshaler bool // *T implements encoding.TextUnmarshaler
	fields          []lenientField
	exact, folded   map[string]int    // JSON name → field, as encoding/json matches keys
	altExact        map[string]altRef // alternative name → field
	altFolded       map[string]altRef
	altNames        map[string]bool // every alternative name of the type and the types it holds, folded
	ids             bool            // the type or one it holds has an `essential:"id"` field
	essential       bool            // the type or one it holds has an `essential` field
	texts           bool            // the type or one it holds has an `essential:"text"` field
}

type altRef struct{ field, rank int }

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	typeInfos           sync.Map // reflect.Type → *typeInfo
)

func infoOf(t reflect.Type) *typeInfo {
	if ti, ok := typeInfos.Load(t); ok {
		return ti.(*typeInfo)
	}
	pt := reflect.PointerTo(t)
	ti := &typeInfo{unmarshaler: pt.Implements(unmarshalerType), textUnmarshaler: pt.Implements(textUnmarshalerType)}
	if t.Kind() == reflect.Struct {
		ti.fields = structFields(t)
		ti.exact, ti.folded = map[string]int{}, map[string]int{}
		ti.altExact, ti.altFolded = map[string]altRef{}, map[string]altRef{}
		for i, f := range ti.fields {
			ti.exact[f.name] = i
			if k := foldName(f.name); !has(ti.folded, k) {
				ti.folded[k] = i
			}
			for rank, a := range f.alts {
				if _, ok := ti.altExact[a]; !ok {
					ti.altExact[a] = altRef{i, rank}
				}
				if k := foldName(a); !hasAlt(ti.altFolded, k) {
					ti.altFolded[k] = altRef{i, rank}
				}
			}
		}
		collectAltKeys(t, map[reflect.Type]bool{}, ti)
	}
	actual, _ := typeInfos.LoadOrStore(t, ti)
	return actual.(*typeInfo)
}

func has(m map[string]int, k string) bool { _, ok := m[k]; return ok }

func hasAlt(m map[string]altRef, k string) bool { _, ok := m[k]; return ok }

// structFields lists the fields encoding/json decodes into for t, by its
// rules: embedded structs flattened, a name at a shallower depth or with a
// tag dominating, names in conflict dropped.
func structFields(t reflect.Type) []lenientField {
	type candidate struct {
		typ   reflect.Type
		index []int
	}
	var fields []lenientField
	next := []candidate{{typ: t}}
	visited := map[reflect.Type]bool{}
	var count, nextCount map[reflect.Type]int
	for len(next) > 0 {
		current := next
		next = nil
		count, nextCount = nextCount, map[reflect.Type]int{}
		for _, c := range current {
			if visited[c.typ] {
				continue
			}
			visited[c.typ] = true
			for i := range c.typ.NumField() {
				sf := c.typ.Field(i)
				if sf.Anonymous {
					ft := sf.Type
					if ft.Kind() == reflect.Pointer {
						ft = ft.Elem()
					}
					if !sf.IsExported() && ft.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				if !validTagName(name) {
					name = ""
				}
				index := append(slices.Clone(c.index), i)
				ft := sf.Type
				if ft.Name() == "" && ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if name != "" || !sf.Anonymous || ft.Kind() != reflect.Struct {
					f := lenientField{name: name, index: index, tagged: name != ""}
					if name == "" {
						f.name = sf.Name
					}
					if hasOption(opts, "string") {
						switch ft.Kind() {
						case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
							reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
							reflect.Float32, reflect.Float64, reflect.String:
							f.quoted = true
						}
					}
					if alt := sf.Tag.Get("alt"); alt != "" {
						f.alts = strings.Split(alt, ",")
					}
					f.need = needs[sf.Tag.Get("essential")]
					fields = append(fields, f)
					if count[c.typ] > 1 {
						fields = append(fields, f) // a duplicate, so that the name is dropped
					}
					continue
				}
				nextCount[ft]++
				if nextCount[ft] == 1 {
					next = append(next, candidate{typ: ft, index: index})
				}
			}
		}
	}
	slices.SortStableFunc(fields, func(a, b lenientField) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		if c := len(a.index) - len(b.index); c != 0 {
			return c
		}
		if a.tagged != b.tagged {
			if a.tagged {
				return -1
			}
			return 1
		}
		return slices.Compare(a.index, b.index)
	})
	out := fields[:0]
	for i := 0; i < len(fields); {
		j := i + 1
		for j < len(fields) && fields[j].name == fields[i].name {
			j++
		}
		if j-i == 1 || len(fields[i].index) != len(fields[i+1].index) || fields[i].tagged != fields[i+1].tagged {
			out = append(out, fields[i])
		}
		i = j
	}
	slices.SortFunc(out, func(a, b lenientField) int { return slices.Compare(a.index, b.index) })
	return out
}

func hasOption(opts, want string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == want {
			return true
		}
	}
	return false
}

// validTagName is encoding/json's rule for a name in a json tag.
func validTagName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

// foldName folds a name as encoding/json does to match keys regardless of
// case: foldName(a) == foldName(b) exactly when bytes.EqualFold(a, b).
func foldName(name string) string {
	var arr [32]byte
	return string(appendFolded(arr[:0], []byte(name)))
}

func appendFolded(out, in []byte) []byte {
	for i := 0; i < len(in); {
		if c := in[i]; c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			out = append(out, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(in[i:])
		out = utf8.AppendRune(out, foldRune(r))
		i += n
	}
	return out
}

// foldRune returns the smallest rune of r's fold set.
func foldRune(r rune) rune {
	for {
		r2 := unicode.SimpleFold(r)
		if r2 <= r {
			return r2
		}
		r = r2
	}
}

// collectAltKeys gathers the alternative names of t and of every struct
// type reachable from it.
func collectAltKeys(t reflect.Type, seen map[reflect.Type]bool, ti *typeInfo) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
		if seen[t] {
			return // a type that holds itself
		}
		seen[t] = true
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] {
		return
	}
	seen[t] = true
	for i := range t.NumField() {
		f := t.Field(i)
		switch needs[f.Tag.Get("essential")] {
		case needID:
			ti.ids = true
			ti.essential = true
		case needText:
			ti.texts = true
			ti.essential = true
		case needInt:
			ti.essential = true
		}
		if alt := f.Tag.Get("alt"); alt != "" {
			if ti.altNames == nil {
				ti.altNames = map[string]bool{}
			}
			for _, a := range strings.Split(alt, ",") {
				ti.altNames[foldName(a)] = true
			}
		}
		collectAltKeys(f.Type, seen, ti)
	}
}

// holdsEssential reports whether a value of t is or holds an essential
// field: two readings of it that differ cannot both be used.
func holdsEssential(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	return t.Kind() == reflect.Struct && infoOf(t).essential
}
