package sim

import (
	"math/rand/v2"
)

// Chooser makes the scheduling decisions of a run. Choose returns a number
// in [0, n), n >= 1; label says what is being chosen (for rapid's logs).
// Everything random about a run goes through it, so that the same sequence
// of choices gives the same run.
type Chooser interface {
	Choose(n int, label string) int
}

// RandChooser draws choices from a PCG generator (math/rand/v2) seeded with
// a run's seed: the simulator's default, fast and reproducible.
type RandChooser struct {
	rng *rand.Rand
}

// pcgStream is the second PCG word; any fixed value keeps seeds
// reproducible across versions of this package as long as it never changes.
const pcgStream = 0x5ca1ab1e_0ddba11

// NewRandChooser returns a chooser seeded with seed.
func NewRandChooser(seed uint64) *RandChooser {
	return &RandChooser{rng: rand.New(rand.NewPCG(seed, pcgStream))}
}

// Choose implements Chooser.
func (c *RandChooser) Choose(n int, _ string) int { return c.rng.IntN(n) }
