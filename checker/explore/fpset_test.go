package explore

import (
	"math/rand/v2"
	"testing"
)

// TestFPSet inserts fingerprints (0 among them) with repeats and checks
// membership and counts against a map.
func TestFPSet(t *testing.T) {
	const seed = 7
	rng := rand.New(rand.NewPCG(seed, 0))
	var s fpSet
	ref := map[uint64]bool{}
	for i := 0; i < 200000; i++ {
		x := rng.Uint64() >> uint(rng.IntN(64)) // many small values and repeats
		if i%1000 == 0 {
			x = 0
		}
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
