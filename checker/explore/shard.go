package explore

// Shards: one breadth-first search split over N independent processes,
// with no coordination (PReach partitions every state by hash and sends
// successors between machines; these shards send nothing). Every shard
// searches the levels down to the split level whole; of the split level's
// states each expands only those whose fingerprint it owns, and below
// them whatever it reaches. A state below the split level is reached, on
// a shortest path to it, through exactly one state of the split level, so
// the shard that owns that state reaches it: together the shards reach
// every state. A state reachable from states of the split level that
// different shards own is searched by each of them: that is the cost of
// sending nothing, reported as the shards' states beyond the union.

// ShardLevel is the number of states per shard that the split level holds
// at least, when Options.ShardDepth does not name it: enough that
// ownership by hash spreads the work.
const ShardLevel = 64

// ShardSplit is where a shard split its search.
type ShardSplit struct {
	// Depth is the split level's depth; Level its states, Owned those of
	// them this shard expanded, Above the states at smaller depths. All
	// zero when the search is not a shard, or ended before it split
	// (then every shard searched the whole graph).
	Depth        int
	Level, Owned int64
	Above        int64
}

// splitsAt says whether a shard's search splits at depth, whose level
// holds n states.
func (s *search[I, K, N, M, D, E]) splitsAt(depth, n int) bool {
	switch {
	case s.opt.Shards == 0:
		return false
	case s.opt.ShardDepth > 0:
		return depth == s.opt.ShardDepth
	default:
		return depth > 0 && n >= ShardLevel*s.opt.Shards
	}
}

// owns says whether this shard expands the split level's state of
// fingerprint fp, and counts it if so. Fingerprints are hashes; the
// multiplication spreads them further, so that no shard's share depends
// on the low bits alone.
func (s *search[I, K, N, M, D, E]) owns(fp uint64) bool {
	if (fp*0x9e3779b97f4a7c15)>>32%uint64(s.opt.Shards) != uint64(s.opt.Shard) {
		return false
	}
	s.owned.Add(1)
	return true
}

// shardSplit is the Result's ShardSplit.
func (s *search[I, K, N, M, D, E]) shardSplit() ShardSplit {
	sp := s.split
	if sp.Level > 0 {
		sp.Owned = s.owned.Load()
	}
	return sp
}
