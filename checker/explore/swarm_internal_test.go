package explore

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/paxoscheck/paxoscheck/checker/graph/graphtest"
)

type toyOptions = Options[graphtest.ToyID, graphtest.ToyClient, graphtest.ToyNode, graphtest.ToyMsg, uint8, graphtest.ToyEffects]
type toyResult = Result[graphtest.ToyID, graphtest.ToyClient, graphtest.ToyMsg]

// TestSwarmBounds: without MaxStates a swarm's searches are bounded by
// what MaxMemory holds, in orders from Order on; the user's interrupt
// ends the swarm after the search it stopped.
func TestSwarmBounds(t *testing.T) {
	var got []toyOptions
	var interrupted atomic.Bool
	one := func(o toyOptions) (*toyResult, error) {
		got = append(got, o)
		if len(got) == 2 {
			interrupted.Store(true)
			return &toyResult{Stopped: "interrupted"}, nil
		}
		return &toyResult{Stopped: "max-states"}, nil
	}
	r, err := swarm(toyOptions{Swarm: 5, Order: 3, MaxMemory: 100 * dfsBytesPerState}, time.Now(), &interrupted, new(atomic.Int64), new(atomic.Int64), one)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].MaxStates != 100 || got[1].MaxStates != 100 || got[0].Order != 3 || got[1].Order != 4 {
		t.Fatalf("searches ran with %+v", got)
	}
	if r.Stopped != "interrupted" || len(r.Swarm) != 2 {
		t.Errorf("stopped %q after %d searches, want interrupted after 2", r.Stopped, len(r.Swarm))
	}
}
