package feedgen

import (
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Synthetic fills p with product i of the synthetic catalog seed: about
// 1 KB of CSV, with HTML-ish long descriptions that hold commas, quotes,
// line breaks and non-ASCII letters. Refs are 100000+i, so they are unique.
// Text values are shared, not allocated per product.
func Synthetic(seed uint64, i int, p *Product) {
	loadTables()
	r := rng(seed ^ (uint64(i)+1)*0x9e3779b97f4a7c15)
	pub := publishers[r.intn(len(publishers))]
	p.Ref = 100000 + int64(i)
	p.PublisherID = pub.id
	p.PublisherName = pub.name
	p.Name = names[r.intn(len(names))]
	p.Misc = miscs[r.intn(len(miscs))]
	p.CreationDate = dates[r.intn(len(dates))]
	p.LicenseLifetime = lifetimes[r.intn(len(lifetimes))]
	p.Keywords = excerpt(keywordText, &r, 40, 80)
	p.Users = []int{1, 1, 1, 3, 5, 10}[r.intn(6)]
	p.Version = versions[r.intn(len(versions))]
	p.EAN = eans[r.intn(len(eans))]
	p.Type = []int{1, 1, 1, 1, 1, 1, 3, 4}[r.intn(8)]
	p.ReleaseDate = dates[r.intn(len(dates))]
	p.TotalSize = int64(r.intn(400000) + 100)
	p.ShortDescription = excerpt(prose, &r, 90, 150)
	p.LongDescription = excerpt(prose, &r, 520, 720)
	p.Language = "EN"
	p.SmallImage = images[0][r.intn(len(images[0]))]
	p.MediumImage = images[1][r.intn(len(images[1]))]
	p.BigImage = images[2][r.intn(len(images[2]))]
	for n := r.intn(4); n > 0; n-- {
		p.Screenshots = append(p.Screenshots, images[3][r.intn(len(images[3]))])
	}
	for n := 1 + r.intn(3); n > 0; n-- {
		p.Categories = append(p.Categories, 1+r.intn(120))
	}
	for n := 1 + r.intn(4); n > 0; n-- {
		p.OS = append(p.OS, 1+r.intn(40))
	}
	p.Price = int64(99 + r.intn(30000))
	p.PublicPrice = p.Price + int64(r.intn(1000))
	p.RetailerPrice = p.Price * 7 / 10
	p.Currency = currencies[r.intn(len(currencies))]
	p.RetailerCurrency = p.Currency
	p.Memory = memories[r.intn(len(memories))]
	p.DiskSpace = disks[r.intn(len(disks))]
	p.DRM, p.DigitalLocker = "", false
	if pub.id == 70 {
		p.DRM, p.DigitalLocker = "Uplay (Ubisoft)", true
	}
}

// rng is splitmix64: deterministic, tiny, and random access by product.
type rng uint64

func (r *rng) next() uint64 {
	*r += 0x9e3779b97f4a7c15
	z := uint64(*r)
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// excerpt returns a piece of text of min to max bytes that starts and ends
// at a word boundary.
// The text is longer than 2*max and ends with a space.
func excerpt(text string, r *rng, min, max int) string {
	start := r.intn(len(text) - 2*max)
	for text[start] != ' ' {
		start++
	}
	start++
	end := start + min + r.intn(max-min)
	for text[end] != ' ' {
		end++
	}
	return text[start:end]
}

type publisher struct {
	id   int64
	name string
}

var publishers = []publisher{
	{70, "Ubisoft"}, {12, "Avanquest"}, {31, "Bitdefender"}, {44, "Kaspersky"},
	{52, "Magix"}, {63, "Nero"}, {81, "Corel"}, {95, "Paragon, Inc."},
}

var (
	miscs      = []string{"", "", "", "Pre-order", `Edition "Gold"`}
	lifetimes  = []string{"", "1 year", "2 years", "unlimited"}
	currencies = []string{"EUR", "EUR", "USD", "GBP"}
	memories   = []string{"2 GB", "4 GB", "8 GB", "512 MB"}
	disks      = []string{"500 MB", "2 GB", "15 GB", "60 GB"}
)

var words = strings.Fields(`security antivirus backup suite studio
	premium protection privacy creative photo video music office game
	adventure strategy racing cloud device family home business pro total
	internet firewall editor converter recovery partition manager
	optimizer puzzle légende über café naïve fête`)

// title upper-cases the first letter of w.
func title(w string) string {
	r, n := utf8.DecodeRuneInString(w)
	return string(unicode.ToUpper(r)) + w[n:]
}

var (
	names, versions, eans, dates []string
	images                       [4][]string
	prose, keywordText           string
)

// loadTables builds the shared text on first use: a program that imports
// the package (every test binary of the fake) must not hold it unless it
// generates a synthetic feed.
var loadTables = sync.OnceFunc(buildTables)

func buildTables() {
	r := rng(1)
	for i := 0; i < 4096; i++ {
		a, b := words[r.intn(len(words))], words[r.intn(len(words))]
		names = append(names, title(a)+" "+title(b)+" "+strconv.Itoa(2020+r.intn(8)))
		eans = append(eans, strconv.FormatUint(4000000000000+r.next()%1000000000000, 10))
		for k, prefix := range []string{"picto/", "homepage/", "big/", "screens/"} {
			images[k] = append(images[k], prefix+strconv.Itoa(r.intn(1e6))+".png")
		}
	}
	for i := 0; i < 512; i++ {
		versions = append(versions, strconv.Itoa(1+r.intn(20))+"."+strconv.Itoa(r.intn(10)))
		dates = append(dates, strconv.Itoa(2015+r.intn(12))+"-0"+strconv.Itoa(1+r.intn(9))+"-1"+strconv.Itoa(r.intn(10)))
	}
	var b strings.Builder
	for b.Len() < 64<<10 {
		w := words[r.intn(len(words))]
		switch r.intn(40) {
		case 0:
			b.WriteString(`"` + w + `" `)
		case 1:
			b.WriteString("<p>" + w + "</p>\n")
		case 2, 3, 4:
			b.WriteString(w + ", ")
		case 5:
			b.WriteString(w + "; ")
		default:
			b.WriteString(w + " ")
		}
	}
	prose = b.String()
	b.Reset()
	for b.Len() < 8<<10 {
		b.WriteString(words[r.intn(len(words))] + ", ")
	}
	keywordText = b.String()
}
