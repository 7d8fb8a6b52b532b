package paxosexplore

import (
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/paxos/invariant"
	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
)

// TestShardsCoverPaxos: four shards of a search of the Paxos code, every
// state hashed whole, together reach exactly the states the whole search
// reaches, and each shard's states are among them. The log gives what the
// shards stored beyond the union: the cost of shards that share nothing.
func TestShardsCoverPaxos(t *testing.T) {
	s := world.NewSetup(3, 2, 1, 1)
	s.Budget.Crashes = 1
	s.MaxRound = 1
	s.SetNetwork = true
	reached := func(opt Options) (map[string]bool, *Result) {
		seen := map[string]bool{}
		opt.Workers, opt.NoSymmetry, opt.NoDead = 1, true, true
		opt.Check = func(_ *world.Setup, st *world.State, _ int) *invariant.Violation {
			seen[string(st.AppendBinary(&s, nil))] = true
			return nil
		}
		r, err := Run(s, opt)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Complete || int64(len(seen)) != r.Distinct {
			t.Fatalf("%+v: complete %v, %d states stored, %d seen", opt, r.Complete, r.Distinct, len(seen))
		}
		return seen, r
	}
	all, _ := reached(Options{})
	union := map[string]bool{}
	sum := 0
	for i := range 4 {
		got, r := reached(Options{Shards: 4, Shard: i, ShardDepth: 4})
		if r.Split.Depth != 4 || r.Split.Owned == 0 {
			t.Fatalf("shard %d: split %+v", i, r.Split)
		}
		for k := range got {
			if !all[k] {
				t.Fatalf("shard %d reached a state the whole search does not", i)
			}
			union[k] = true
		}
		sum += len(got)
	}
	if len(union) != len(all) {
		t.Fatalf("the 4 shards reached %d states together, the whole search %d", len(union), len(all))
	}
	t.Logf("%d states; the 4 shards stored %d (%.2f times)", len(all), sum, float64(sum)/float64(len(all)))
}
