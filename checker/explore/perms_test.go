package explore

import (
	"slices"

	"github.com/paxoscheck/paxoscheck/checker/world"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
)

// perm is a permutation of acceptor indices with its inverse.
type perm struct{ fwd, inv []int }

// allPerms lists every permutation of 0..n-1, the identity first.
func allPerms(n int) []perm {
	var out []perm
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	var rec func(k int)
	rec = func(k int) {
		if k == n {
			fwd := slices.Clone(p)
			inv := make([]int, n)
			for i, j := range fwd {
				inv[j] = i
			}
			out = append(out, perm{fwd, inv})
			return
		}
		for i := k; i < n; i++ {
			p[k], p[i] = p[i], p[k]
			rec(k + 1)
			p[k], p[i] = p[i], p[k]
		}
	}
	rec(0)
	return out
}

// permuteState returns the image of st under p: used by tests to check
// that fingerprints are orbit invariants.
func permuteState(s *world.Setup, st *world.State, p []int) world.State {
	acc := s.Config.Acceptors
	accIdx := func(id paxos.NodeID) int { return slices.Index(acc, id) }
	mapID := func(id paxos.NodeID) paxos.NodeID {
		if i := accIdx(id); i >= 0 {
			return acc[p[i]]
		}
		return id
	}
	out := st.Clone()
	for i := range acc {
		n := st.Nodes[i]
		n.ID, n.Index = acc[p[i]], uint8(p[i])
		out.Nodes[p[i]] = n
		out.Stored[p[i]] = st.Stored[i]
	}
	for k := len(acc); k < len(out.Nodes); k++ {
		n := &out.Nodes[k]
		n.Promised = permBits(n.Promised, p)
		if n.Role == paxos.RoleLearner {
			old := n.Votes
			for i := range acc {
				n.Votes[p[i]] = old[i]
			}
		}
	}
	remap := func(ms []paxos.Message, mapTo bool) []paxos.Message {
		for i := range ms {
			ms[i].From = mapID(ms[i].From)
			if mapTo {
				ms[i].To = mapID(ms[i].To)
			}
		}
		slices.SortFunc(ms, func(a, b paxos.Message) int {
			switch {
			case a.Less(b):
				return -1
			case b.Less(a):
				return 1
			}
			return 0
		})
		return ms
	}
	out.Net = remap(out.Net, true)
	out.Sent = remap(out.Sent, false) // To is cleared in Sent
	return out
}

// permBits moves bit i of an acceptor bitmask to bit perm[i].
func permBits(x uint64, perm []int) uint64 {
	var out uint64
	for i, p := range perm {
		if x&(1<<uint(i)) != 0 {
			out |= 1 << uint(p)
		}
	}
	return out
}
