package nexway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// Named types the random struct types draw on: embedding (by value, by
// pointer, with a tag, in conflict), types that decode themselves, and
// ",string" options.
type (
	propEmbedded struct {
		Inner  int    `json:"inner"`
		Shared string // in conflict with propOther.Shared at the same depth: dropped
		Deep   *propDeep
	}
	propOther struct {
		Shared string
		Tagged string `json:"tagged"`
	}
	propDeep struct {
		Name  string            `json:"name"`
		Attrs map[string]string `json:"attrs"`
	}
	propHost struct {
		propEmbedded
		*propOther
		Top      string  `json:"top"`
		Tagged   string  `json:"tagged"` // shallower: dominates propOther.Tagged
		Count    int64   `json:"count,string"`
		Ratio    float64 `json:"ratio,string"`
		Flag     bool    `json:"flag,string"`
		Label    string  `json:"label,string"`
		MaybeNum *int    `json:"maybeNum,string"`
	}
	propSelf struct{ V string } // decodes itself
)

func (p *propSelf) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	p.V = "raw:" + string(b)
	return nil
}

func (p propSelf) MarshalJSON() ([]byte, error) { return json.Marshal(map[string]string{"v": p.V}) }

var propNamed = []reflect.Type{
	reflect.TypeFor[propHost](), reflect.TypeFor[propDeep](), reflect.TypeFor[json.RawMessage](),
	reflect.TypeFor[json.Number](), reflect.TypeFor[time.Time](), reflect.TypeFor[netip.Addr](),
	reflect.TypeFor[propSelf](), reflect.TypeFor[Date](), reflect.TypeFor[[]byte](),
}

var propScalars = []reflect.Type{
	reflect.TypeFor[bool](), reflect.TypeFor[int](), reflect.TypeFor[int8](), reflect.TypeFor[int16](),
	reflect.TypeFor[int32](), reflect.TypeFor[int64](), reflect.TypeFor[uint](), reflect.TypeFor[uint8](),
	reflect.TypeFor[uint16](), reflect.TypeFor[uint32](), reflect.TypeFor[uint64](), reflect.TypeFor[float32](),
	reflect.TypeFor[float64](), reflect.TypeFor[string](), reflect.TypeFor[any](),
}

// randomType builds a type of any kind a caller's struct may hold.
func randomType(r *rand.Rand, depth int) reflect.Type {
	if depth > 3 {
		return propScalars[r.IntN(len(propScalars))]
	}
	switch r.IntN(12) {
	case 0:
		return reflect.SliceOf(randomType(r, depth+1))
	case 1:
		return reflect.ArrayOf(r.IntN(3)+1, randomType(r, depth+1))
	case 2:
		return reflect.MapOf(reflect.TypeFor[string](), randomType(r, depth+1))
	case 3:
		return reflect.MapOf([]reflect.Type{reflect.TypeFor[int](), reflect.TypeFor[uint16](), reflect.TypeFor[netip.Addr]()}[r.IntN(3)], randomType(r, depth+1))
	case 4:
		return reflect.PointerTo(randomType(r, depth+1))
	case 5:
		return randomStruct(r, depth+1)
	case 6:
		return reflect.SliceOf(reflect.MapOf(reflect.TypeFor[string](), randomType(r, depth+1)))
	case 7, 8:
		return propNamed[r.IntN(len(propNamed))]
	}
	return propScalars[r.IntN(len(propScalars))]
}

func randomStruct(r *rand.Rand, depth int) reflect.Type {
	n := r.IntN(6) + 1
	fields := make([]reflect.StructField, n)
	for i := range fields {
		name := "F" + strconv.Itoa(i)
		tag := ""
		switch r.IntN(4) {
		case 0:
			tag = `json:"f` + strconv.Itoa(i) + `"`
		case 1:
			tag = `json:"K` + strconv.Itoa(i) + `,omitempty"`
		}
		fields[i] = reflect.StructField{Name: name, Type: randomType(r, depth), Tag: reflect.StructTag(tag)}
	}
	return reflect.StructOf(fields)
}

// randomValue fills a value of t with random content.
func randomValue(r *rand.Rand, t reflect.Type, depth int) reflect.Value {
	v := reflect.New(t).Elem()
	if r.IntN(8) == 0 && depth > 0 {
		return v // zero values too
	}
	switch t {
	case reflect.TypeFor[json.RawMessage]():
		v.SetBytes([]byte(`{"raw":[1,"two",{"three":3.5}]}`))
		return v
	case reflect.TypeFor[json.Number]():
		v.SetString(strconv.Itoa(r.IntN(1e6)) + ".25")
		return v
	case reflect.TypeFor[time.Time]():
		v.Set(reflect.ValueOf(time.Unix(r.Int64N(1e10), 0).UTC()))
		return v
	case reflect.TypeFor[netip.Addr]():
		v.Set(reflect.ValueOf(netip.AddrFrom4([4]byte{10, 0, byte(r.IntN(256)), 1})))
		return v
	case reflect.TypeFor[Date]():
		v.Set(reflect.ValueOf(Date{2024, time.Month(r.IntN(12) + 1), r.IntN(28) + 1}))
		return v
	case reflect.TypeFor[propSelf]():
		v.Set(reflect.ValueOf(propSelf{V: "s" + strconv.Itoa(r.IntN(100))}))
		return v
	}
	switch t.Kind() {
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 1)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(r.Uint64()) >> uint(64-t.Bits()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(r.Uint64() >> uint(64-t.Bits()))
	case reflect.Float32:
		v.SetFloat(float64(float32(r.NormFloat64() * 1e3)))
	case reflect.Float64:
		v.SetFloat(r.NormFloat64() * math.Pow(10, float64(r.IntN(20)-10)))
	case reflect.String:
		v.SetString([]string{"", "plain", "é\u00e9 ünïcode", `quote " and \ backslash`, "<tag>&", "12", "true", "\u2028"}[r.IntN(8)])
	case reflect.Interface:
		v.Set(reflect.ValueOf([]any{"text", 12.5, true, map[string]any{"k": []any{1.0, "x"}}, []any{}}[r.IntN(5)]))
	case reflect.Slice:
		n := r.IntN(4)
		s := reflect.MakeSlice(t, n, n)
		for i := range n {
			s.Index(i).Set(randomValue(r, t.Elem(), depth+1))
		}
		v.Set(s)
	case reflect.Array:
		for i := range t.Len() {
			v.Index(i).Set(randomValue(r, t.Elem(), depth+1))
		}
	case reflect.Map:
		m := reflect.MakeMap(t)
		for range r.IntN(4) {
			m.SetMapIndex(randomValue(r, t.Key(), 1), randomValue(r, t.Elem(), depth+1))
		}
		v.Set(m)
	case reflect.Pointer:
		v.Set(reflect.New(t.Elem()))
		v.Elem().Set(randomValue(r, t.Elem(), depth+1))
	case reflect.Struct:
		for i := range t.NumField() {
			f := v.Field(i)
			if f.CanSet() {
				f.Set(randomValue(r, t.Field(i).Type, depth+1))
			}
		}
	}
	return v
}

// For random well-typed documents and random target types, the lenient
// path decodes what encoding/json decodes; with one member of the wrong
// type, every other member still decodes the same.
func TestLenientEqualsEncodingJSON(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(21, 3))
	mistyped := 0
	for i := range 3000 {
		typ := randomStruct(r, 0)
		if i%7 == 0 {
			typ = reflect.TypeFor[propHost]()
		}
		doc, err := json.Marshal(randomValue(r, typ, 0).Interface())
		if err != nil {
			t.Fatalf("%v: %v", typ, err)
		}
		want := reflect.New(typ)
		if err := json.Unmarshal(doc, want.Interface()); err != nil {
			continue // a random document encoding/json itself refuses (an embedded nil pointer)
		}
		got := reflect.New(typ)
		if err := decodeLenient(doc, got.Interface()); err != nil {
			t.Fatalf("%v from %s: %v", typ, doc, err)
		}
		if !reflect.DeepEqual(got.Interface(), want.Interface()) {
			t.Fatalf("%v from %s:\n got %#v\nwant %#v", typ, doc, got.Elem(), want.Elem())
		}

		// One member mistyped: an object or a string of letters where
		// a scalar, a list or an object is expected.
		var members map[string]json.RawMessage
		if err := json.Unmarshal(doc, &members); err != nil || len(members) == 0 {
			continue
		}
		keys := make([]string, 0, len(members))
		for k := range members {
			keys = append(keys, k)
		}
		victim := keys[r.IntN(len(keys))]
		wrong := map[bool]string{true: `{"wrong":[1,2]}`, false: `"not what was expected"`}[r.IntN(2) == 0]
		members[victim] = json.RawMessage(wrong)
		bad, _ := json.Marshal(members)
		got = reflect.New(typ)
		if err := decodeLenient(bad, got.Interface()); err != nil {
			t.Fatalf("%v from %s: %v", typ, bad, err)
		}
		mistyped++
		for _, f := range fieldsByName(typ) {
			if f.name == victim {
				continue
			}
			g, w := got.Elem().FieldByIndex(f.index), want.Elem().FieldByIndex(f.index)
			if !reflect.DeepEqual(g.Interface(), w.Interface()) {
				t.Fatalf("%v: %s mistyped in %s changed %s:\n got %#v\nwant %#v", typ, victim, bad, f.name, g, w)
			}
		}
	}
	if mistyped < 1000 {
		t.Errorf("only %d documents with a mistyped member", mistyped)
	}
}

// fieldsByName lists the top-level fields of t with their JSON names,
// skipping those reached through an embedded pointer (compared as part of
// their own member).
func fieldsByName(t reflect.Type) []lenientField {
	var out []lenientField
	for _, f := range infoOf(t).fields {
		through := t
		ok := true
		for _, x := range f.index[:len(f.index)-1] {
			sf := through.Field(x)
			if sf.Type.Kind() == reflect.Pointer {
				ok = false
				break
			}
			through = sf.Type
		}
		if ok {
			out = append(out, f)
		}
	}
	return out
}

// Conversions keep working, and a pointer to a value that cannot be read
// stays nil.
func TestLenientConversions(t *testing.T) {
	t.Parallel()
	type target struct {
		N     int               `json:"n"`
		U     uint16            `json:"u"`
		F     float32           `json:"f"`
		S     string            `json:"s"`
		B     bool              `json:"b"`
		P     *float64          `json:"p"`
		Zero  *float64          `json:"zero"`
		List  []map[string]any  `json:"list"`
		One   []propDeep        `json:"one"`
		M     map[string]any    `json:"m"`
		Arr   [2]int            `json:"arr"`
		Raw   json.RawMessage   `json:"raw"`
		Typed map[int]propDeep  `json:"typed"`
		Str   map[string]string `json:"str"`
	}
	doc := []byte(`{"n":"42","u":"7","f":"19,99","s":12.5,"b":"true","p":"abc","zero":"0",
		"list":[{"a":1},{"b":[true]}],"one":{"name":"x"},"m":{"k":{"deep":[1,"2"]}},"arr":[1,"2",3],
		"raw":{"keep":"me"},"typed":{"3":{"name":"t","attrs":{"a":"b"}},"x":{"name":"dropped"}},"str":{"a":"b","c":5}}`)
	var got target
	lenient, err := decodeJSON(doc, &got)
	if err != nil || !lenient {
		t.Fatalf("lenient %v, %v", lenient, err)
	}
	zero := 0.0
	want := target{N: 42, U: 7, F: 19.99, S: "12.5", B: true, Zero: &zero,
		List: []map[string]any{{"a": 1.0}, {"b": []any{true}}}, One: []propDeep{{Name: "x"}},
		M: map[string]any{"k": map[string]any{"deep": []any{1.0, "2"}}}, Arr: [2]int{1, 2},
		Raw: json.RawMessage(`{"keep":"me"}`), Typed: map[int]propDeep{3: {Name: "t", Attrs: map[string]string{"a": "b"}}},
		Str: map[string]string{"a": "b", "c": "5"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("\n got %+v\nwant %+v", got, want)
	}
}

// A large answer with one member to convert decodes in memory in
// proportion to its size, with few allocations per byte: the lenient path
// builds no tree of the answer (BenchmarkLenientLarge has the figures).
func TestLenientLargeIsLinear(t *testing.T) {
	small, large := lenientLargeDoc(1<<16), lenientLargeDoc(1<<20)
	var out lenientLarge
	if lenient, err := decodeJSON(large, &out); err != nil || !lenient || out.Count != 42 || len(out.Lines) == 0 {
		t.Fatalf("lenient %v, %v, %+v", lenient, err, out.Count)
	}
	cost := func(doc []byte) (allocs, bytes float64) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		var out lenientLarge
		if err := decodeLenient(doc, &out); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		return float64(after.Mallocs - before.Mallocs), float64(after.TotalAlloc - before.TotalAlloc)
	}
	sa, sb := cost(small)
	la, lb := cost(large)
	t.Logf("%d bytes: %.0f allocations, %.0f bytes; %d bytes: %.0f allocations, %.0f bytes", len(small), sa, sb, len(large), la, lb)
	// 16 times the size may cost 16 times as much, twice over for the
	// slices grown by doubling, and the lenient path allocates less than
	// twice the answer's size.
	if la > 32*sa || lb > 32*sb || lb > 2*float64(len(large)) {
		t.Errorf("the cost grows faster than the answer")
	}
}

// lenientLarge is a result of 21 fields.
type lenientLarge struct {
	Envelope
	PartnerOrderNumber string            `json:"partnerOrderNumber"`
	OrderNumber        int64             `json:"orderNumber"`
	Count              int               `json:"count"` // sent as a string: the lenient path runs
	Status             string            `json:"status" alt:"state"`
	Total              float64           `json:"total"`
	Currency           string            `json:"currency"`
	Created            Date              `json:"created"`
	Email              string            `json:"email"`
	Lines              []lenientLine     `json:"lines"`
	Tags               map[string]string `json:"tags"`
	Extra              any               `json:"extra"`
	A1, A2, A3, A4     string
	B1, B2, B3, B4     int
	Missing1           string `json:"missing1" alt:"gone1"`
	Missing2           int    `json:"missing2"`
}

type lenientLine struct {
	ProductRef int     `json:"productRef"`
	Name       string  `json:"name"`
	Price      float64 `json:"price"`
	Keys       []string
}

// lenientLargeDoc builds an answer of about size bytes: many lines, and
// as many members no field names.
func lenientLargeDoc(size int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"responseCode":0,"partnerOrderNumber":"P1","orderNumber":123,"count":"42","state":"ok","total":19.99,` +
		`"currency":"EUR","created":"2024-05-01","email":"x","tags":{"a":"b"},"extra":{"k":[1,2]},"lines":[`)
	for i := 0; b.Len() < size/2; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"productRef":%d,"name":"Product %d","price":%d.5,"Keys":["K-%d"]}`, i, i, i, i)
	}
	b.WriteString(`]`)
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, `,"unknown%d":"value %d"`, i, i)
	}
	b.WriteString(`}`)
	return b.Bytes()
}

// BenchmarkLenientLarge decodes a 16 MiB answer with one member to convert
// into a 21-field struct.
func BenchmarkLenientLarge(b *testing.B) {
	doc := lenientLargeDoc(16 << 20)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		var out lenientLarge
		if _, err := decodeJSON(doc, &out); err != nil || out.Count != 42 {
			b.Fatal(err)
		}
	}
}

// The lenient decoder never panics, whatever the answer, and on an answer
// encoding/json decodes without error it decodes the same.
func FuzzLenientDecode(f *testing.F) {
	f.Add([]byte(`{"top":"x","count":"12","inner":3,"Deep":{"name":"n","attrs":{"a":"b"}},"maybeNum":"5"}`))
	f.Add([]byte(`{"n":"42","list":{"a":1},"m":{"k":[1,{"x":null}]},"arr":[1,2,3,4],"raw":[{}],"typed":{"x":{},"7":{"name":3}}}`))
	f.Add([]byte(`{"a":` + string(bytes.Repeat([]byte(`[`), 200)) + string(bytes.Repeat([]byte(`]`), 200)) + `}`))
	f.Add([]byte(`{"K0":{"NAME":"fold","Attrs":null},"f1":"\u00e9\ud800","tagged":"\"q\"","label":"\"x\""}`))
	type target struct {
		propHost
		N     int               `json:"n"`
		List  []map[string]any  `json:"list"`
		M     map[string]any    `json:"m"`
		Arr   [2]uint8          `json:"arr"`
		Raw   json.RawMessage   `json:"raw"`
		Typed map[int]propDeep  `json:"typed"`
		K0    *propDeep         `json:"K0"`
		Self  propSelf          `json:"self"`
		When  *Date             `json:"when"`
		Addr  netip.Addr        `json:"addr"`
		Bytes []byte            `json:"bytes"`
		Num   json.Number       `json:"num"`
		Deep  map[string][]*int `json:"deep"`
		Any   any               `json:"any"`
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got target
		_, _ = decodeJSON(data, &got)
		var want target
		if json.Unmarshal(data, &want) != nil || !json.Valid(data) || bytes.Count(data, []byte("[")) > maxLenientDepth/2 {
			return
		}
		got = target{}
		if err := decodeLenient(data, &got); err != nil {
			if errors.Is(err, errNotObject) {
				return
			}
			t.Fatalf("%s: %v", data, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s:\n got %+v\nwant %+v", data, got, want)
		}
	})
}

// A field's own name wins over its alternatives, and an earlier-listed
// alternative over a later one, wherever they stand in the answer.
func TestLenientAlternativePriority(t *testing.T) {
	t.Parallel()
	for doc, want := range map[string]SubscriptionStatus{
		`{"state":"expired","status":"active"}`:                              "active",
		`{"status":"active","state":"expired"}`:                              "active",
		`{"state":"expired","subscriptionStatus":"cancelled"}`:               "cancelled",
		`{"subscriptionStatus":"cancelled","state":"expired"}`:               "cancelled",
		`{"state":"expired"}`:                                                "expired",
		`{"STATE":"expired","Status":"active","subscriptionstatus":"other"}`: "active",
	} {
		var got Subscription
		if err := decodeLenient([]byte(doc), &got); err != nil || got.Status != want {
			t.Errorf("%s: %q, %v; want %q", doc, got.Status, err, want)
		}
	}
}

// selfPointer points to itself: decoding into it ends.
type selfPointer *selfPointer

func TestLenientSelfPointer(t *testing.T) {
	t.Parallel()
	var v struct {
		P selfPointer `json:"p"`
		N int         `json:"n"`
	}
	if err := decodeLenient([]byte(`{"p":"x","n":"3"}`), &v); err != nil || v.N != 3 {
		t.Errorf("%+v, %v", v, err)
	}
}
