package explore

import (
	"math/rand/v2"
	"testing"
)

// TestFPSet inserts fingerprints (0 and 1 among them, which share a slot)
// with repeats and checks membership and counts against a map. The set
// assumes uniform fingerprints (xxhash output), so the values are drawn
// uniformly from a pool.
func TestFPSet(t *testing.T) {
	const seed = 7
	rng := rand.New(rand.NewPCG(seed, 0))
	var s fpSet
	ref := map[uint64]bool{}
	pool := make([]uint64, 100000)
	for i := range pool {
		pool[i] = rng.Uint64()
	}
	pool[0], pool[1] = 0, 1
	for i := 0; i < 200000; i++ {
		x := pool[rng.IntN(len(pool))]
		want := !ref[norm(x)]
		ref[norm(x)] = true
		if got := s.Insert(x); got != want {
			t.Fatalf("seed %d: Insert(%x) #%d = %v, want %v", seed, x, i, got, want)
		}
	}
	if s.Len() != len(ref) {
		t.Fatalf("seed %d: Len %d, want %d", seed, s.Len(), len(ref))
	}
	for x := range ref {
		if !s.Contains(x) {
			t.Fatalf("seed %d: lost %x", seed, x)
		}
	}
	for i := 0; i < 1000; i++ {
		x := rng.Uint64()
		if s.Contains(x) != ref[norm(x)] {
			t.Fatalf("seed %d: Contains(%x) wrong", seed, x)
		}
	}
	if lf := float64(s.Len()*8) / float64(s.Bytes()); lf < 0.5 || lf > 0.9 {
		t.Errorf("load factor %.2f outside [0.5, 0.9]", lf)
	}
}
