package explore

import (
	"fmt"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"

	"github.com/golang/snappy"
)

// spill is where a breadth-first search's frontier goes when it outgrows
// its memory budget (Options.FrontierMemory): a level's full chunks of
// encoded states are compressed and written out, and read back, one
// chunk at a time, when the level is expanded. Only the encodings go; a
// state's fingerprint, parent and action stay in memory (25 bytes).
//
// Two files serve the levels by the parity of their depth: the level
// being written goes to one while the level being read comes from the
// other, and a file is emptied when the level it held has been read, so
// the disk holds at most two levels. The files are made when the first
// chunk spills, and unlinked at once: nothing is left behind, even after
// kill -9.
type spill struct {
	dir    string
	budget int64
	// squeezeAt is the search's (search.squeeze): once non-zero, the
	// budget is cut to squeezeChunks chunks.
	squeezeAt *atomic.Int64
	// gc starts tuning the collector's target when the first chunk
	// spills (tuneGC), and oldGC is the target to restore.
	gc     sync.Once
	tuning atomic.Bool // (oldGC is written before it is set)
	oldGC  int
	// inMem is the capacity of the chunk buffers the spilling levels hold
	// (in use or spare), against budget.
	inMem atomic.Int64
	files [2]spillFile
	// raw and disk count the bytes spilled over the search, before and
	// after compression.
	raw, disk atomic.Int64
}

type spillFile struct {
	mu  sync.Mutex
	f   *os.File
	end int64
}

// chunkLoc is where a spilled chunk is: its offset and compressed length
// in its file.
type chunkLoc struct {
	off int64
	n   int
}

// newSpill returns the spill of a search, its files to be made in dir
// ("": the system's temporary directory).
func newSpill(dir string, budget int64) *spill { return &spill{dir: dir, budget: budget} }

// The collector's target (GOGC) while a search spills. A search that
// spills is one whose memory matters, and what it holds is almost all
// pointer-free (the fingerprint set, the parents, the frontier's
// chunks), which a collection does not scan; at the default target the
// heap still grows to twice what is live before a collection. From the
// first spill on, at each level, the target is set so that the heap's
// growth between collections is about the frontier's budget: 100 times
// the budget over the live heap, between minGCPercent and the target in
// force before (README, "Memory"). A small live heap, whose collections
// are frequent, keeps a high target; a large one, where the memory goes,
// gets a low one. A GOGC set in the environment is left alone, and the
// target is given back when the search ends.
const minGCPercent = 10

// tuneGC sets the collector's target for the search's live heap now (see
// minGCPercent); a no-op until the first spill.
func (sp *spill) tuneGC() {
	if !sp.tuning.Load() {
		return
	}
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	live := max(int64(s[0].Value.Uint64()), 1)
	debug.SetGCPercent(int(min(max(100*sp.limit()/live, minGCPercent), int64(sp.oldGC))))
}

// open makes file par if it is not there yet (under its lock).
func (sp *spill) open(sf *spillFile) error {
	if sf.f != nil {
		return nil
	}
	sp.gc.Do(func() {
		if os.Getenv("GOGC") != "" {
			return
		}
		if sp.oldGC = debug.SetGCPercent(100); sp.oldGC > 0 {
			sp.tuning.Store(true)
			sp.tuneGC()
		} else {
			debug.SetGCPercent(sp.oldGC) // off: left so
		}
	})
	f, err := os.CreateTemp(sp.dir, "paxoscheck-frontier-*.bin")
	if err != nil {
		return fmt.Errorf("explore: a file for the frontier: %w", err)
	}
	// Unlinked at once: the open file lives until it is closed or the
	// process ends, however it ends.
	_ = os.Remove(f.Name())
	sf.f = f
	return nil
}

func (sp *spill) close() {
	sp.gc.Do(func() {}) // no spill: nothing to restore
	if sp.tuning.Load() {
		debug.SetGCPercent(sp.oldGC)
	}
	for i := range sp.files {
		if f := sp.files[i].f; f != nil {
			name := f.Name()
			_ = f.Close()
			_ = os.Remove(name) // where the early unlink failed
		}
	}
}

// overBudget reports whether a new chunk of size bytes would take the
// frontier past its budget.
func (sp *spill) overBudget(size int) bool {
	return sp.inMem.Load()+int64(size) > sp.limit()
}

// squeezedNow reports whether the search has squeezed the frontier.
func (sp *spill) squeezedNow() bool { return sp.squeezeAt != nil && sp.squeezeAt.Load() > 0 }

// limit is the budget in force: squeezeChunks chunks once squeezed.
func (sp *spill) limit() int64 {
	if sp.squeezedNow() {
		return min(sp.budget, int64(squeezeChunks*chunkSize))
	}
	return sp.budget
}

// squeezeChunks is how many chunks of the frontier stay in memory once the
// search's memory nears its limit (search.squeeze).
const squeezeChunks = 4

// put compresses chunk b into file par and says where it went.
func (sp *spill) put(par int, b []byte) (chunkLoc, error) {
	z := snappy.Encode(nil, b)
	sf := &sp.files[par]
	sf.mu.Lock()
	if err := sp.open(sf); err != nil {
		sf.mu.Unlock()
		return chunkLoc{}, err
	}
	off := sf.end
	sf.end += int64(len(z))
	sf.mu.Unlock()
	if _, err := sf.f.WriteAt(z, off); err != nil {
		return chunkLoc{}, fmt.Errorf("explore: writing the frontier to disk: %w", err)
	}
	sp.raw.Add(int64(len(b)))
	sp.disk.Add(int64(len(z)))
	return chunkLoc{off: off, n: len(z)}, nil
}

// get reads the chunk at loc of file par back, decompressed, into dst's
// storage (z is scratch for the compressed bytes).
func (sp *spill) get(par int, loc chunkLoc, dst, z []byte) (chunk, zbuf []byte, err error) {
	if cap(z) < loc.n {
		z = make([]byte, loc.n)
	}
	z = z[:loc.n]
	if _, err := sp.files[par].f.ReadAt(z, loc.off); err != nil {
		return dst, z, fmt.Errorf("explore: reading the frontier back from disk: %w", err)
	}
	n, err := snappy.DecodedLen(z)
	if err != nil {
		return dst, z, fmt.Errorf("explore: a spilled frontier chunk is corrupt: %w", err)
	}
	if cap(dst) < n {
		dst = make([]byte, n)
	}
	chunk, err = snappy.Decode(dst[:n], z)
	if err != nil {
		return dst, z, fmt.Errorf("explore: a spilled frontier chunk is corrupt: %w", err)
	}
	return chunk, z, nil
}

// empty truncates file par: the level it held has been read.
func (sp *spill) empty(par int) error {
	sf := &sp.files[par]
	sf.mu.Lock()
	defer sf.mu.Unlock()
	sf.end = 0
	if sf.f == nil {
		return nil
	}
	if err := sf.f.Truncate(0); err != nil {
		return fmt.Errorf("explore: emptying the frontier file: %w", err)
	}
	return nil
}

// chunkCache is one reader's copy of the spilled chunk it reads from:
// chunk k of level l as it was at generation gen (nil l: none).
type chunkCache struct {
	l      *level
	k      int
	gen    uint64
	buf, z []byte
}
