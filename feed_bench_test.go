package nexway

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/nexway-go/nexway/internal/feedgen"
)

// The feed benchmarks decode generated feeds of about 1 KB a row (long
// descriptions with commas, quotes and line breaks) from a file, so that
// generating them is not timed, and compare DecodeFeed with the floor:
// encoding/csv reading the same bytes through the same 64 KiB buffer,
// reusing its record, with no mapping. Run them with
//
//	go test -run '^$' -bench 'Feed/paired' -benchtime 5s -count 3 -cpu 1 .
//	go test -run '^$' -bench 'Feed' -benchmem -benchtime 3x -count 3 -cpu 1 .
//
// (-cpu 1: on a busy machine a collector short of CPU lets garbage pile
// up, which makes the peak heap vary from run to run.)
// MB/s is the file's size over the time. peak-heap-MiB is the largest heap
// in use (objects, garbage not yet collected, free space in spans) sampled
// every MiB of input; retained-heap-MiB is what a collection forced half-way
// through the first run leaves, the memory decoding holds. Both include the
// test binary's own heap, about 1.3 MiB.

var feedSizes = []int{10_000, 100_000, 1_000_000}

// feedFiles writes each generated feed once, in a directory removed when
// the benchmark ends.
type feedFiles struct {
	dir   string
	paths map[string]string
}

func newFeedFiles(b *testing.B) *feedFiles {
	return &feedFiles{dir: b.TempDir(), paths: map[string]string{}}
}

func (ff *feedFiles) path(b *testing.B, cfg feedgen.Config) string {
	key := fmt.Sprint(cfg.Count, cfg.Format)
	if p, ok := ff.paths[key]; ok {
		return p
	}
	p := filepath.Join(ff.dir, key)
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if _, err := feedgen.New(cfg).WriteTo(w); err != nil {
		b.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	ff.paths[key] = p
	return p
}

// heapSampler records the peak heap while the reader it wraps is read,
// and the retained heap half-way through the first file it reads.
type heapSampler struct {
	r              io.Reader
	n, next, half  int64
	samples        []metrics.Sample
	peak, retained uint64
}

func newHeapSampler() *heapSampler {
	return &heapSampler{samples: []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"},
	}}
}

func (h *heapSampler) report(b *testing.B) {
	b.ReportMetric(float64(h.peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(h.retained)/(1<<20), "retained-heap-MiB")
}

func (h *heapSampler) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if h.n += int64(n); h.n >= h.next {
		h.next = h.n + 1<<20
		h.sample()
	}
	if h.retained == 0 && h.half > 0 && h.n >= h.half {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		h.retained = m.HeapAlloc
	}
	return n, err
}

func (h *heapSampler) sample() {
	metrics.Read(h.samples)
	h.peak = max(h.peak, h.samples[0].Value.Uint64()+h.samples[1].Value.Uint64())
}

// feedFile is a generated feed on disk.
type feedFile struct {
	path string
	rows int
}

// readFile runs decode on the file and returns the bytes read.
func readFile(b *testing.B, file feedFile, h *heapSampler, decode func(io.Reader) int) int64 {
	f, err := os.Open(file.path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil {
		h.half = st.Size() / 2
	}
	h.r, h.n, h.next = f, 0, 0
	n := decode(h)
	h.sample()
	if n != file.rows {
		b.Fatalf("%d products, want %d", n, file.rows)
	}
	return h.n
}

func decodeNexway(r io.Reader) int {
	n := 0
	for _, err := range DecodeFeed(r, nil) {
		if err != nil {
			panic(err)
		}
		n++
	}
	return n
}

func decodeFloor(r io.Reader) int {
	cr := csv.NewReader(bufio.NewReaderSize(r, feedBufferSize))
	cr.ReuseRecord = true
	n := -1 // the header
	for {
		_, err := cr.Read()
		if err == io.EOF {
			return n
		}
		if err != nil {
			panic(err)
		}
		n++
	}
}

func BenchmarkFeed(b *testing.B) {
	files := newFeedFiles(b)
	file := func(b *testing.B, rows int, format feedgen.Format) feedFile {
		return feedFile{files.path(b, feedgen.Config{Count: rows, Seed: 1, Format: format}), rows}
	}
	run := func(b *testing.B, file feedFile, decode func(io.Reader) int) {
		h := newHeapSampler()
		runtime.GC()
		var n int64
		for b.Loop() {
			n = readFile(b, file, h, decode)
		}
		b.SetBytes(n)
		h.report(b)
	}
	for _, rows := range feedSizes {
		b.Run(fmt.Sprintf("decode/rows=%d", rows), func(b *testing.B) { run(b, file(b, rows, feedgen.CSV), decodeNexway) })
		b.Run(fmt.Sprintf("floor/rows=%d", rows), func(b *testing.B) { run(b, file(b, rows, feedgen.CSV), decodeFloor) })
	}
	b.Run("xml/rows=100000", func(b *testing.B) { run(b, file(b, 100_000, feedgen.XML), decodeNexway) })

	// The ratio: both decoders in turns in one loop, the first alternating,
	// so that the machine's drift weighs on both alike. cpu-ratio compares
	// the CPU time the process spent, which waiting for a shared CPU does
	// not inflate.
	for _, rows := range feedSizes {
		b.Run(fmt.Sprintf("paired/rows=%d", rows), func(b *testing.B) {
			f := file(b, rows, feedgen.CSV)
			h := newHeapSampler()
			var wall, cpu [2]time.Duration // ours, the floor's
			var n int64
			i := 0
			for b.Loop() {
				for k := range 2 {
					which := (i + k) % 2
					decode := decodeNexway
					if which == 1 {
						decode = decodeFloor
					}
					start, startCPU := time.Now(), cpuTime()
					n = readFile(b, f, h, decode)
					wall[which] += time.Since(start)
					cpu[which] += cpuTime() - startCPU
				}
				i++
			}
			b.SetBytes(2 * n)
			b.ReportMetric(float64(n)*float64(i)/wall[0].Seconds()/1e6, "decode-MB/s")
			b.ReportMetric(float64(n)*float64(i)/wall[1].Seconds()/1e6, "floor-MB/s")
			b.ReportMetric(wall[0].Seconds()/wall[1].Seconds(), "ratio")
			if cpu[1] > 0 {
				b.ReportMetric(cpu[0].Seconds()/cpu[1].Seconds(), "cpu-ratio")
			}
		})
	}

	// Comparing a snapshot with its index: decoding plus hashing.
	b.Run("compare/rows=100000", func(b *testing.B) {
		feed := file(b, 100_000, feedgen.CSV)
		f, err := os.Open(feed.path)
		if err != nil {
			b.Fatal(err)
		}
		old, err := IndexFeed(DecodeFeed(f, nil))
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		run(b, feed, func(r io.Reader) int {
			n := 0
			counted := func(yield func(FeedProduct, error) bool) {
				for p, err := range DecodeFeed(r, nil) {
					n++
					if !yield(p, err) {
						return
					}
				}
			}
			for ch, err := range old.Compare(counted, nil) {
				if err != nil || ch.Kind != 0 {
					panic(fmt.Sprint("a change in the same feed: ", ch.Kind, err))
				}
			}
			return n
		})
	})
}
