package paxosexplore

import (
	"slices"

	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
)

// permuteState returns the image of st under p: used by tests to check
// that fingerprints are orbit invariants.
func permuteState(s *world.Setup, st *world.State, p []int) world.State {
	c, err := newCodec(s)
	if err != nil {
		panic(err)
	}
	inv := make([]int, len(p))
	for i, j := range p {
		inv[j] = i
	}
	pm := &perm{fwd: p, inv: inv}
	acc := s.Config.Acceptors
	out := st.Clone()
	for i := range st.Nodes {
		n := c.permNode(pm, st.Nodes[i])
		k := i
		if i < len(acc) {
			k = p[i]
		}
		out.Nodes[k], out.Stored[k] = n, st.Stored[i]
	}
	remap := func(ms []paxos.Message, sent bool) []paxos.Message {
		for i := range ms {
			to := ms[i].To
			ms[i] = c.permMsg(pm, ms[i])
			if sent {
				ms[i].To = to // cleared in Sent (world.SentForm): it names no one
			}
		}
		slices.SortFunc(ms, paxos.Message.Compare)
		return ms
	}
	out.Net = remap(out.Net, false)
	out.Sent = remap(out.Sent, true)
	return out
}
