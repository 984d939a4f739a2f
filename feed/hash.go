package feed

import ()

// Hash returns a digest of the product's content: every field but Line,
// Extra in any order. It is the same across runs and processes, so that an
// index saved yesterday compares with today's feed; a new version of this
// package may change it, which makes every product count as changed once.
// It is never 0.
func (p *Product) Hash() uint64 {
	h := newHash()
	h.int(int64(p.ProductRef))
	for _, s := range [...]string{p.PublisherID, p.PublisherName, p.Name, p.Misc, p.CreationDate,
		p.LicenseLifetime, p.Keywords, p.Version, p.EAN, p.ReleaseDate} {
		h.str(s)
	}
	h.int(int64(p.Users))
	h.int(int64(p.Type))
	h.decimal(p.TotalSize)
	h.int(int64(len(p.Descriptions)))
	for _, d := range p.Descriptions {
		h.str(d.Language)
		h.str(d.Short)
		h.str(d.Long)
	}
	h.strs(p.Languages)
	for _, s := range [...]string{p.SmallImage, p.MediumImage, p.BigImage} {
		h.str(s)
	}
	h.strs(p.Screenshots)
	h.ints(p.Categories)
	h.decimal(p.Price)
	h.decimal(p.PublicPrice)
	h.str(p.Currency)
	h.decimal(p.RetailerPrice)
	for _, s := range [...]string{p.RetailerCurrency, p.Memory, p.DiskSpace} {
		h.str(s)
	}
	h.ints(p.OperatingSystems)
	h.str(p.DRM)
	if p.DigitalLocker {
		h.int(1)
	} else {
		h.int(0)
	}
	// Extra in any order: a sum of per-entry digests.
	var extra uint64
	for k, v := range p.Extra {
		e := newHash()
		e.str(k)
		e.str(v)
		extra += e.sum()
	}
	h.int(int64(extra))
	h.int(int64(len(p.Extra)))
	h.raw(p.Raw)
	if s := h.sum(); s != 0 {
		return s
	}
	return 1
}

// contentHash is FNV-1a, 64 bits, with every value length-prefixed so that
// ("ab", "c") and ("a", "bc") differ.
type contentHash uint64

func newHash() contentHash { return 14695981039346656037 }

func (h *contentHash) byte(b byte) { *h = (*h ^ contentHash(b)) * 1099511628211 }

func (h *contentHash) int(v int64) {
	for i := 0; i < 64; i += 8 {
		h.byte(byte(v >> i))
	}
}

func (h *contentHash) str(s string) { hashText(h, s) }

func (h *contentHash) raw(b []byte) { hashText(h, b) }

func hashText[T string | []byte](h *contentHash, s T) {
	h.int(int64(len(s)))
	for i := 0; i < len(s); i++ {
		h.byte(s[i])
	}
}

func (h *contentHash) strs(v []string) {
	h.int(int64(len(v)))
	for _, s := range v {
		h.str(s)
	}
}

func (h *contentHash) ints(v []int) {
	h.int(int64(len(v)))
	for _, n := range v {
		h.int(int64(n))
	}
}

func (h *contentHash) decimal(d *Decimal) {
	if d == nil {
		h.int(-1)
		return
	}
	h.int(d.Units)
	h.int(int64(d.Scale))
}

func (h *contentHash) sum() uint64 { return uint64(*h) }
