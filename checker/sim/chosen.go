package sim

import (
	"math/bits"

	"github.com/paxoscheck/paxoscheck/checker/world"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
)

// Chosen reports whether a value has been chosen in st: whether a majority
// of the acceptors sent 2b for one ballot (spec Chosen, "Paxos Made
// Simple", section 2.1). It counts a true majority even under the
// minority-quorum bug: the fact is about the protocol, not the code.
func Chosen(s *world.Setup, st *world.State) bool {
	need := len(s.Config.Acceptors)/2 + 1
	for i, m := range st.Sent {
		if m.Type != paxos.Msg2b {
			continue
		}
		var voters uint64
		for _, o := range st.Sent[i:] {
			if o.Type == paxos.Msg2b && o.Bal == m.Bal {
				if ai := s.Config.AcceptorIndex(o.From); ai >= 0 {
					voters |= 1 << ai
				}
			}
		}
		if bits.OnesCount64(voters) >= need {
			return true
		}
	}
	return false
}
