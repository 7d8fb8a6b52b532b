package paxosexplore

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
)

// TestCannotExpose checks the needs of coverage.go on a grid of small
// bounds: a bug is found exactly where CannotExpose does not list it. So
// every need is necessary (no bug is found without it), and the needs are
// sufficient on this grid.
func TestCannotExpose(t *testing.T) {
	if raceOn || testing.Short() {
		t.Skip("about 130 searches: run without -race and -short")
	}
	type grid struct {
		p, r, crashes, dups int
		set                 bool
	}
	// Rounds up to 2 with one proposer only, and three proposers on the
	// set network only: beyond that the searches of the bugs that are not
	// found (complete searches) take minutes.
	var gs []grid
	for _, set := range []bool{true, false} {
		for _, pr := range [][2]int{{1, 1}, {1, 2}, {2, 1}, {3, 1}} {
			if pr[0] == 3 && !set {
				continue
			}
			for crashes := 0; crashes <= 1; crashes++ {
				gs = append(gs, grid{p: pr[0], r: pr[1], crashes: crashes, set: set})
			}
		}
	}
	gs = append(gs, grid{p: 1, r: 1, dups: 1}, grid{p: 2, r: 1, dups: 1})
	for _, g := range gs {
		s := world.NewSetup(3, g.p, 1, g.p)
		s.MaxRound, s.SetNetwork = uint32(g.r), g.set
		s.Budget = world.Budget{Crashes: g.crashes, Dups: g.dups}
		s.Crashable = slices.Clone(s.Config.Acceptors)
		cannot := strings.Join(CannotExpose(&s), "\n")
		for _, b := range paxos.Catalogue() {
			name := fmt.Sprintf("set=%v/p=%d/r=%d/crashes=%d/dups=%d/%s", g.set, g.p, g.r, g.crashes, g.dups, b)
			t.Run(name, func(t *testing.T) {
				bs := s
				bs.Config.Bugs = paxos.Bugs(b)
				r, err := Run(bs, Options{})
				if err != nil {
					t.Fatal(err)
				}
				found := r.Violation != nil
				listed := strings.Contains(cannot, b.String()+":")
				switch {
				case found && listed:
					t.Errorf("found (%s after %d steps), but CannotExpose says:\n%s", r.Violation.Invariant, len(r.Path), cannot)
				case !found && !listed:
					t.Errorf("not found (%d states, complete %v), but CannotExpose lists nothing for it", r.Distinct, r.Complete)
				case !found && !r.Complete:
					t.Errorf("search incomplete")
				}
			})
		}
	}
}

// TestDefaultBoundsExposeEveryBug: the explore command's default bounds
// (cmd/paxoscheck) can expose every catalogue bug.
func TestDefaultBoundsExposeEveryBug(t *testing.T) {
	s := DefaultSetup()
	if c := CannotExpose(&s); c != nil {
		t.Fatalf("default bounds cannot expose:\n%s", strings.Join(c, "\n"))
	}
}
