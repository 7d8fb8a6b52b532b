package mpcluster

import (
	"slices"
	"testing"
	"time"

	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
)

// TestSchedule: the nemesis's plan is a function of the seed; one fault
// at a time, each undone, all inside the run's middle; a partition cuts
// a minority of the nodes; no fault asked for, no event.
func TestSchedule(t *testing.T) {
	c := mp.NewConfig(3, 2, 1)
	const d = 30 * time.Second
	for seed := uint64(1); seed <= 50; seed++ {
		ev := Schedule(seed, d, &c, true, true)
		if !slices.EqualFunc(ev, Schedule(seed, d, &c, true, true), func(a, b Event) bool {
			return a.At == b.At && a.Kind == b.Kind && a.Node == b.Node && slices.Equal(a.Side, b.Side)
		}) {
			t.Fatalf("seed %d: two schedules differ", seed)
		}
		if len(ev) == 0 || len(ev)%2 != 0 {
			t.Fatalf("seed %d: %d events, want faults in pairs", seed, len(ev))
		}
		kinds := map[EventKind]bool{}
		for i := 0; i < len(ev); i += 2 {
			f, undo := ev[i], ev[i+1]
			kinds[f.Kind] = true
			switch {
			case f.At < d/10 || undo.At > d*9/10 || undo.At < f.At || i > 0 && f.At < ev[i-1].At:
				t.Fatalf("seed %d: %s then %s: out of order or outside the run's middle", seed, f, undo)
			case f.Kind == EvKill && (undo.Kind != EvRestart || undo.Node != f.Node):
				t.Fatalf("seed %d: %s is not undone by its restart but %s", seed, f, undo)
			case f.Kind == EvPartition && (undo.Kind != EvHeal || len(f.Side) == 0 || 2*len(f.Side) >= len(c.Nodes())):
				t.Fatalf("seed %d: %s: want a minority cut, then healed (got %s)", seed, f, undo)
			}
		}
		if seed == 1 && !(kinds[EvKill] && kinds[EvPartition]) {
			t.Errorf("seed 1 has kills %v and partitions %v: want both", kinds[EvKill], kinds[EvPartition])
		}
	}
	if ev := Schedule(1, d, &c, false, false); len(ev) != 0 {
		t.Errorf("no fault asked for, but %d events", len(ev))
	}
	for _, e := range Schedule(1, d, &c, true, false) {
		if e.Kind == EvPartition {
			t.Fatalf("kills only, but %s", e)
		}
	}
}
