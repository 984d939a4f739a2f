package feed

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/nexway-go/nexway/internal/feedgen"

	"github.com/nexway-go/nexway"
)

func TestDecodeGeneratedXML(t *testing.T) {
	cfg := feedgen.Config{Count: 300, Seed: 4, Format: feedgen.XML}
	rs := decodeAll(feedgen.New(cfg), nil)
	if len(rs) != cfg.Count {
		t.Fatalf("%d values", len(rs))
	}
	ubisoft := 0
	for i, r := range rs {
		if r.err != nil {
			t.Fatal(r.err)
		}
		var g feedgen.Product
		feedgen.Synthetic(cfg.Seed, i, &g)
		want := Product{
			Line: r.p.Line, ProductRef: nexway.ProductRef(g.Ref), Name: g.Name, PublisherName: g.PublisherName,
			Descriptions: []Description{{Language: "EN", Short: strings.TrimSpace(g.ShortDescription), Long: strings.TrimSpace(g.LongDescription)}},
			Languages:    []string{"EN"}, DRM: g.DRM, DigitalLocker: g.DigitalLocker, Raw: r.p.Raw,
		}
		if !reflect.DeepEqual(r.p, want) {
			t.Fatalf("product %d:\n got %+v\nwant %+v", i, r.p, want)
		}
		// What the decoder does not know is in Raw.
		if !bytes.Contains(r.p.Raw, []byte(`<price currency="`+g.Currency+`">`)) || !bytes.HasPrefix(bytes.TrimSpace(r.p.Raw), []byte("<name>")) {
			t.Fatalf("Raw %q", r.p.Raw)
		}
		if g.DRM != "" {
			ubisoft++
		}
	}
	if ubisoft == 0 {
		t.Fatal("no product with a DRM element was generated")
	}
}

func TestDecodeXMLShapes(t *testing.T) {
	feed := `<?xml version="1.0" encoding="utf-8"?>
<catalog xmlns="urn:nexway">
  <meta><product>not a product: no id</product></meta>
  <group>
    <product id=" 12 ">
      <name>
        Antivirus&nbsp;Plus
      </name>
      <publisher>Kaspersky</publisher>
      <description format="short" language="en"><![CDATA[<b>Short</b>]]></description>
      <description language="fr">Longue</description>
      <description format="LONG" language="EN">Long &amp; more</description>
      <description format="teaser" language="DE">ignored</description>
      <deliveryMode><digitalLocker>1</digitalLocker></deliveryMode>
    </product>
  </group>
  <product id="13"/>
</catalog>`
	rs := decodeAll(strings.NewReader(feed), nil)
	if got := refs(rs); !slices.Equal(got, []int64{-3, 12, 13}) {
		t.Fatalf("%v %+v", got, rs)
	}
	errorIs(t, rs[0].err, 3, ErrRow)
	if rs[0].err.(*Error).Column != "id" {
		t.Fatalf("%v", rs[0].err)
	}
	p := rs[1].p
	p.Raw = nil
	want := Product{Line: 5, ProductRef: 12, Name: "Antivirus\u00a0Plus", PublisherName: "Kaspersky",
		Descriptions: []Description{{Language: "EN", Short: "<b>Short</b>", Long: "Long & more"}, {Language: "FR", Long: "Longue"}, {Language: "DE"}},
		Languages:    []string{"EN", "FR", "DE"}, DigitalLocker: true}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("\n got %+v\nwant %+v", p, want)
	}
	if !bytes.Contains(rs[1].p.Raw, []byte(`format="teaser"`)) {
		t.Fatalf("Raw %q", rs[1].p.Raw)
	}
}

func TestDecodeXMLBadInput(t *testing.T) {
	const two = `<products><product id="1"><name>a</name></product>` + "\n" + `<product id="2"><name>b</name></product>` + "\n"
	for _, tc := range []struct {
		name string
		feed string
		opts *Options
		refs []int64
		kind error
	}{
		{"cut mid-element", two + `<product id="3"><na`, nil, []int64{1, 2, -3}, ErrInvalidFeed},
		{"cut before the end tag", two, nil, []int64{1, 2, -3}, ErrInvalidFeed},
		{"mismatched tags", two + `<product id="3"></name></product></products>`, nil, []int64{1, 2, -3}, ErrInvalidFeed},
		{"unknown charset", `<?xml version="1.0" encoding="ISO-8859-1"?>` + two + `</products>`, nil, []int64{-1}, ErrInvalidFeed},
		{"element too large", two + `<product id="3"><name>` + strings.Repeat("x", 300) + `</name></product></products>`,
			&Options{MaxRecordSize: 100}, []int64{1, 2, -3}, ErrInvalidFeed},
		{"element far past the read buffer", two + `<product id="3"><name>` + strings.Repeat("x", 200<<10),
			&Options{MaxRecordSize: 100}, []int64{1, 2, -3}, ErrInvalidFeed},
		{"HTML", "<HTML><BODY>Maintenance</BODY></HTML>", &Options{Format: XML}, []int64{0}, ErrInvalidFeed},
		{"empty", "", &Options{Format: XML}, []int64{0}, ErrInvalidFeed},
		{"no products", "<products/>", nil, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs := decodeAll(strings.NewReader(tc.feed), tc.opts)
			if got := refs(rs); !slices.Equal(got, tc.refs) {
				t.Fatalf("got %v, want %v (%+v)", got, tc.refs, rs)
			}
			if tc.kind != nil && !errors.Is(rs[len(rs)-1].err, tc.kind) {
				t.Fatalf("%v does not match %v", rs[len(rs)-1].err, tc.kind)
			}
		})
	}
}

func TestDecodeXMLCharset(t *testing.T) {
	feed := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><products><product id=\"1\"><name>Caf\xe9</name></product></products>"
	rs := decodeAll(strings.NewReader(feed), &Options{Charset: latin1})
	if len(rs) != 1 || rs[0].err != nil || rs[0].p.Name != "Café" {
		t.Fatalf("%+v", rs)
	}
	rs = decodeAll(strings.NewReader(feed), nil)
	if !strings.Contains(rs[0].err.Error(), `charset "ISO-8859-1": set Options.Charset`) {
		t.Fatalf("%v", rs[0].err)
	}
}

func TestDecodeXMLReaderError(t *testing.T) {
	boom := errors.New("connection reset")
	r := io.MultiReader(strings.NewReader(`<products><product id="1"/>`+"\n"+`<product id="2"/>`+"\n<pro"), iotest.ErrReader(boom))
	rs := decodeAll(r, nil)
	if got := refs(rs); !slices.Equal(got, []int64{1, 2, -3}) || !errors.Is(rs[2].err, boom) || errors.Is(rs[2].err, ErrInvalidFeed) {
		t.Fatalf("%v %v", got, rs[len(rs)-1].err)
	}
}
