package explore_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/explore"
	"github.com/paxoscheck/paxoscheck/checker/graph/graphtest"
)

// TestShardsCover: for every fault model, N shards of a search together
// reach exactly the states of the whole search, split at a level whose
// states they share out, each one to one shard; the shortest
// counterexample of any shard is the whole search's shortest.
func TestShardsCover(t *testing.T) {
	for _, o := range faultOptions {
		p := &graphtest.Toy{Opt: o}
		all := reached(t, p, topts{Workers: 1})
		for _, n := range []int{2, 3, 4} {
			for _, depth := range []int{0, 2, 4} {
				name := fmt.Sprintf("%+v, %d shards, split depth %d", o, n, depth)
				union := map[string]bool{}
				sum, owned := 0, int64(0)
				var split explore.ShardSplit
				for i := range n {
					opt := topts{Workers: 1, Shards: n, Shard: i, ShardDepth: depth}
					got := reached(t, p, opt)
					r := run(t, &model{tproto: p}, opt)
					if !r.Complete || r.Err() != nil || r.Distinct != int64(len(got)) {
						t.Fatalf("%s, shard %d: complete %v, verdict %v, %d states stored, %d checked", name, i, r.Complete, r.Err(), r.Distinct, len(got))
					}
					if i > 0 && (r.Split.Depth != split.Depth || r.Split.Level != split.Level || r.Split.Above != split.Above) {
						t.Fatalf("%s: shard %d split at %+v, shard 0 at %+v", name, i, r.Split, split)
					}
					split = r.Split
					owned += r.Split.Owned
					for k := range got {
						if !all[k] {
							t.Fatalf("%s, shard %d: a state the whole search does not reach", name, i)
						}
						union[k] = true
					}
					sum += len(got)
				}
				if len(union) != len(all) {
					t.Errorf("%s: the shards reach %d states together, the whole search %d", name, len(union), len(all))
				}
				if split.Level > 0 && (owned != split.Level || (depth > 0 && split.Depth != depth)) {
					t.Errorf("%s: split %+v, the shards own %d of its states", name, split, owned)
				}
				if depth == 2 && n == 4 {
					t.Logf("%s: %d states, %d together (%d beyond the union)", name, len(all), sum, sum-len(union))
				}
			}
		}
	}
	bad := func(st *tstate) string {
		if st.Nodes[0].Count >= 2 {
			return "2 pings"
		}
		return ""
	}
	p := &graphtest.Toy{Opt: faultOptions[2]}
	best := 0
	for i := range 4 {
		r := run(t, &model{tproto: p, bad: bad}, topts{Workers: 2, Shards: 4, Shard: i, ShardDepth: 1})
		if r.Violation != nil && (best == 0 || len(r.Path) < best) {
			best = len(r.Path)
		}
	}
	if best != 3 {
		t.Errorf("the shards' shortest counterexample has %d steps, the whole search's 3", best)
	}
	for _, bad := range []topts{{Shards: 2, Shard: 2}, {Shard: 1}, {Shards: -1}, {Shards: 2, DFS: true}, {ShardDepth: 3}} {
		if _, err := explore.Run[tid, tclient, tnode, tmsg, uint8, teff](&model{tproto: p}, bad); !errors.Is(err, explore.ErrOptions) {
			t.Errorf("%+v: %v, want %v", bad, err, explore.ErrOptions)
		}
	}
}
