package nexway

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// Half of Nexway's answers are documented only from its older SOAP API, or
// not at all, so the client decodes in two steps. The fast path is
// encoding/json into the result types, whose fields have the documented
// JSON types. When it meets a value of another type, or the answer uses an
// alternative name a field lists in its `alt` tag, the lenient path decodes
// the answer again: every value that can be understood is converted to its
// field's type (a number sent as a string, a string sent as a number, a
// single object where a list was expected), alternative names are read,
// and what cannot be understood leaves its field zero, unless the field is
// essential (essential.go). Only an answer that is not JSON, whose
// envelope cannot be read, or whose essential value cannot be, fails.

// maxLenientDepth bounds the nesting the lenient path follows; deeper
// values are left zero. Nexway's answers nest about ten levels.
const maxLenientDepth = 100

var errLenientDepth = errors.New("answer nested deeper than " + strconv.Itoa(maxLenientDepth) + " levels")

// decodeJSON decodes data, a JSON object, into out, a pointer to a struct:
// fast, then leniently if needed, which it reports. It fails only when
// data is not a JSON object.
func decodeJSON(data []byte, out any) (lenient bool, err error) {
	data = skipBOM(data)
	err = json.Unmarshal(data, out)
	t := reflect.TypeOf(out)
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return false, err // the lenient path fills structs only
	}
	switch {
	case err == nil && !hasAltKeys(t.Elem(), data) && !(infoOf(t.Elem()).ids && hasNegative(data)):
		return false, nil
	case err != nil && !isTypeError(err):
		return false, err // not JSON, or a hostile nesting encoding/json refuses
	}
	return true, decodeLenient(data, out)
}

// isTypeError reports a value of another type than its field's, apart
// from the fast path so that its error variable is allocated only then.
func isTypeError(err error) bool {
	var typeErr *json.UnmarshalTypeError
	return errors.As(err, &typeErr)
}

// codeReadable reports whether the responseCode of data, if it has one,
// is a number the lenient path could read: an envelope whose code cannot be
// read must not pass for a success.
func codeReadable(data []byte) bool {
	var env struct {
		Code any `json:"responseCode"`
	}
	dec := json.NewDecoder(bytes.NewReader(skipBOM(data)))
	dec.UseNumber()
	if dec.Decode(&env) != nil {
		return false
	}
	_, ok := intOf(env.Code)
	return env.Code == nil || ok
}

var errNotObject = errors.New("answer is not a JSON object")

// decodeLenient fills out from data the lenient way.
func decodeLenient(data []byte, out any) error {
	tree, err := parseTree(data)
	if err != nil {
		return err
	}
	if _, ok := tree.(map[string]any); !ok {
		return errNotObject
	}
	v := reflect.ValueOf(out).Elem()
	v.SetZero()
	return assign(v, tree, 0)
}

// parseTree parses JSON keeping numbers as written.
func parseTree(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, err
	}
	return tree, nil
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// assign stores x, a value parsed by parseTree, in v, converting it to v's
// type when it can and leaving v zero when it cannot.
func assign(v reflect.Value, x any, depth int) error {
	if x == nil {
		return nil
	}
	if depth > maxLenientDepth {
		return errLenientDepth
	}
	if v.Kind() != reflect.Pointer && reflect.PointerTo(v.Type()).Implements(unmarshalerType) {
		// A type that decodes itself (Date) is lenient on its own.
		b, err := json.Marshal(x)
		if err == nil {
			_ = v.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(b)
		}
		return nil
	}
	switch v.Kind() {
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		if err := assign(p.Elem(), x, depth+1); err != nil {
			return err
		}
		if !p.Elem().IsZero() || isScalarOf(x, p.Elem().Kind()) {
			v.Set(p)
		}
	case reflect.Bool:
		if b, ok := boolOf(x); ok {
			v.SetBool(b)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if n, ok := intOf(x); ok && !v.OverflowInt(n) {
			v.SetInt(n)
		}
	case reflect.Float32, reflect.Float64:
		if f, ok := floatOf(x); ok && !v.OverflowFloat(f) {
			v.SetFloat(f)
		}
	case reflect.String:
		v.SetString(stringOf(x))
	case reflect.Slice:
		return assignSlice(v, x, depth)
	case reflect.Struct:
		obj, ok := x.(map[string]any)
		if !ok {
			return nil
		}
		for _, f := range fieldsOf(v.Type()) {
			if val, ok := lookup(obj, f.names); ok {
				fv := v.FieldByIndex(f.index)
				if f.need != needNone && val != nil && !readable(fv, val, f.need) {
					return &essentialError{field: f.names[0]}
				}
				if err := assign(fv, val, depth+1); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// assignSlice accepts a list, or a single object where a list was
// expected, as converters from XML often send one element.
func assignSlice(v reflect.Value, x any, depth int) error {
	if v.Type().Elem().Kind() == reflect.Uint8 {
		return nil // raw bytes (Envelope.Raw) are not decoded
	}
	list, ok := x.([]any)
	if !ok {
		if _, single := x.(map[string]any); !single {
			return nil
		}
		list = []any{x}
	}
	s := reflect.MakeSlice(v.Type(), len(list), len(list))
	for i, e := range list {
		if err := assign(s.Index(i), e, depth+1); err != nil {
			return err
		}
	}
	v.Set(s)
	return nil
}

// isScalarOf reports whether x, a parsed value, was a usable scalar for a
// field of kind k, so that a pointer to an explicit zero (a price of 0)
// stays set.
func isScalarOf(x any, k reflect.Kind) bool {
	switch k {
	case reflect.Float32, reflect.Float64:
		_, ok := floatOf(x)
		return ok
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		_, ok := intOf(x)
		return ok
	case reflect.String:
		_, ok := x.(string)
		return ok
	}
	return false
}

// intOf reads an integer from a number, a string of one (surrounding
// spaces allowed), or an integral float in either.
func intOf(x any) (int64, bool) {
	var s string
	switch x := x.(type) {
	case json.Number:
		s = string(x)
	case string:
		s = strings.TrimSpace(x)
	default:
		return 0, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, false
	}
	return int64(f), true
}

// floatOf reads a finite number from a number or a string of one; a
// decimal comma is accepted in a string without a dot ("19,99").
func floatOf(x any) (float64, bool) {
	var s string
	switch x := x.(type) {
	case json.Number:
		s = string(x)
	case string:
		s = strings.TrimSpace(x)
		if !strings.Contains(s, ".") && strings.Count(s, ",") == 1 {
			s = strings.Replace(s, ",", ".", 1)
		}
	default:
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// boolOf reads true or false, or their string or 0/1 forms.
func boolOf(x any) (bool, bool) {
	switch x := x.(type) {
	case bool:
		return x, true
	case json.Number:
		return x != "0", true
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(x))
		return b, err == nil
	}
	return false, false
}

// stringOf reads a string, or the text of a number or a boolean; other
// values give "".
func stringOf(x any) string {
	switch x := x.(type) {
	case string:
		return x
	case json.Number:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// lookup finds the first of names in obj, exactly or, as encoding/json
// does, ignoring case.
func lookup(obj map[string]any, names []string) (any, bool) {
	for _, n := range names {
		if v, ok := obj[n]; ok {
			return v, true
		}
	}
	for k, v := range obj {
		for _, n := range names {
			if strings.EqualFold(k, n) {
				return v, true
			}
		}
	}
	return nil, false
}

// lenientField is a struct field the lenient path fills: its index (through
// embedded structs, flattened as encoding/json does) and its JSON names.
type lenientField struct {
	index []int
	names []string
	need  need // from the `essential` tag
}

type typeInfo struct {
	fields  []lenientField
	altKeys [][]byte // every alternative name of the type and the types it holds, quoted
	ids     bool     // the type or one it holds has an `essential:"id"` field
}

var typeInfos sync.Map // reflect.Type → *typeInfo

func infoOf(t reflect.Type) *typeInfo {
	if ti, ok := typeInfos.Load(t); ok {
		return ti.(*typeInfo)
	}
	ti := &typeInfo{}
	collectFields(t, nil, ti)
	seen := map[reflect.Type]bool{}
	collectAltKeys(t, seen, ti)
	actual, _ := typeInfos.LoadOrStore(t, ti)
	return actual.(*typeInfo)
}

func fieldsOf(t reflect.Type) []lenientField { return infoOf(t).fields }

func collectFields(t reflect.Type, prefix []int, ti *typeInfo) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		index := append(append([]int(nil), prefix...), i)
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			collectFields(f.Type, index, ti)
			continue
		}
		if name == "" {
			name = f.Name
		}
		names := []string{name}
		if alt := f.Tag.Get("alt"); alt != "" {
			names = append(names, strings.Split(alt, ",")...)
		}
		ti.fields = append(ti.fields, lenientField{index: index, names: names, need: needs[f.Tag.Get("essential")]})
	}
}

// collectAltKeys gathers the alternative names of t and of every struct
// type reachable from it.
func collectAltKeys(t reflect.Type, seen map[reflect.Type]bool, ti *typeInfo) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] {
		return
	}
	seen[t] = true
	for i := range t.NumField() {
		f := t.Field(i)
		if needs[f.Tag.Get("essential")] == needID {
			ti.ids = true
		}
		if alt := f.Tag.Get("alt"); alt != "" {
			for _, a := range strings.Split(alt, ",") {
				ti.altKeys = append(ti.altKeys, []byte(strconv.Quote(a)))
			}
		}
		collectAltKeys(f.Type, seen, ti)
	}
}

// hasAltKeys reports whether data may use an alternative name of t, which
// the fast path does not read.
func hasAltKeys(t reflect.Type, data []byte) bool {
	for _, k := range infoOf(t).altKeys {
		if bytes.Contains(data, k) {
			return true
		}
	}
	return false
}
