package explore

import (
	"math/bits"
	"sync"
)

// fpSet is a concurrent set of 64-bit fingerprints: open addressing with
// Robin Hood linear probing, split into shards by the top bits of the
// fingerprint, each behind its own mutex. Robin Hood keeps probe sequences
// short at high load (a lookup stops as soon as it passes the place the key
// would have been), so a shard can run at load 0.9 and grow by only 1.25x:
// the load stays between 0.72 and 0.9, 8.9 to 11.1 bytes per fingerprint.
// The slot index is a multiply-shift of the fingerprint ("fastrange"), so
// capacities need not be powers of two.
type fpSet struct {
	shards [fpShards]fpShard
}

const (
	fpShardBits = 8
	fpShards    = 1 << fpShardBits
	// fpMaxLoad is the load (in 1/1024) at which a shard grows.
	fpMaxLoad = 922 // 0.9
	fpInitCap = 64
)

type fpShard struct {
	mu    sync.Mutex
	slots []uint64 // 0 = empty
	n     int
	_     [40]byte // keep shards on separate cache lines
}

// home is the preferred slot of fingerprint x in a table of n slots.
func home(x uint64, n int) int {
	hi, _ := bits.Mul64(x<<fpShardBits, uint64(n))
	return int(hi)
}

// norm keeps 0 free as the empty marker.
func norm(x uint64) uint64 {
	if x == 0 {
		return 1
	}
	return x
}

// Insert adds x and reports whether it was new.
func (s *fpSet) Insert(x uint64) bool {
	x = norm(x)
	sh := &s.shards[x>>(64-fpShardBits)]
	sh.mu.Lock()
	added := sh.insert(x)
	sh.mu.Unlock()
	return added
}

// Contains reports whether x is in the set.
func (s *fpSet) Contains(x uint64) bool {
	x = norm(x)
	sh := &s.shards[x>>(64-fpShardBits)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	n := len(sh.slots)
	if n == 0 {
		return false
	}
	i := home(x, n)
	for d := 0; ; d++ {
		y := sh.slots[i]
		if y == x {
			return true
		}
		if y == 0 || dist(y, i, n) < d {
			return false
		}
		if i++; i == n {
			i = 0
		}
	}
}

// dist is how far slot i is from y's home slot.
func dist(y uint64, i, n int) int {
	h := home(y, n)
	if i >= h {
		return i - h
	}
	return i + n - h
}

func (sh *fpShard) insert(x uint64) bool {
	if (sh.n+1)*1024 > len(sh.slots)*fpMaxLoad {
		sh.grow()
	}
	n := len(sh.slots)
	i := home(x, n)
	d := 0
	// Look for x first, stopping where it would have been placed.
	for {
		y := sh.slots[i]
		if y == x {
			return false
		}
		if y == 0 {
			sh.slots[i] = x
			sh.n++
			return true
		}
		if dy := dist(y, i, n); dy < d {
			break
		}
		d++
		if i++; i == n {
			i = 0
		}
	}
	// x is new: place it here and push the richer entries along.
	sh.n++
	for {
		y := sh.slots[i]
		if y == 0 {
			sh.slots[i] = x
			return true
		}
		if dy := dist(y, i, n); dy < d {
			sh.slots[i] = x
			x, d = y, dy
		}
		d++
		if i++; i == n {
			i = 0
		}
	}
}

func (sh *fpShard) grow() {
	old := sh.slots
	n := len(old) * 5 / 4
	if n < fpInitCap {
		n = fpInitCap
	}
	sh.slots = make([]uint64, n)
	sh.n = 0
	for _, y := range old {
		if y != 0 {
			sh.insert(y)
		}
	}
}

// Len is the number of fingerprints stored.
func (s *fpSet) Len() int {
	t := 0
	for i := range s.shards {
		s.shards[i].mu.Lock()
		t += s.shards[i].n
		s.shards[i].mu.Unlock()
	}
	return t
}

// Bytes is the memory held by the tables.
func (s *fpSet) Bytes() int {
	t := 0
	for i := range s.shards {
		s.shards[i].mu.Lock()
		t += 8 * len(s.shards[i].slots)
		s.shards[i].mu.Unlock()
	}
	return t
}

// each calls f with every fingerprint stored (the set must not change
// meanwhile).
func (s *fpSet) each(f func(uint64)) {
	for i := range s.shards {
		for _, y := range s.shards[i].slots {
			if y != 0 {
				f(y)
			}
		}
	}
}
