package explore

import (
	"slices"

	"github.com/cespare/xxhash/v2"
	"github.com/paxoscheck/paxoscheck/checker/world"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
)

// maxSymAcceptors bounds the acceptors for which symmetry is used: the
// fingerprint may try up to n! permutations when all acceptors look alike.
const maxSymAcceptors = 5

// symmetric reports whether acceptors are interchangeable in s: every
// acceptor may crash, or none may (a Crashable list naming only some of them
// tells them apart).
func symmetric(s *world.Setup) bool {
	n := len(s.Config.Acceptors)
	if n < 2 || n > maxSymAcceptors || s.Crashable == nil {
		return n >= 2 && n <= maxSymAcceptors
	}
	k := 0
	for _, id := range s.Config.Acceptors {
		if slices.Contains(s.Crashable, id) {
			k++
		}
	}
	return k == 0 || k == n
}

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

// fingerprinter computes state fingerprints; one per worker.
type fingerprinter struct {
	c     *codec
	perms []perm // nil: no symmetry
	ident []byte // identity encoding of the last state fingerprinted
	buf   []byte
	sig   []uint64
}

// fingerprint returns the fingerprint of st and leaves its identity
// encoding in f.ident.
//
// Under symmetry it is the least hash over the permuted encodings. Only
// permutations that list the acceptors in ascending order of their own
// local state (crashed flag, memory, storage: which names no other
// acceptor, so it moves with the acceptor) are tried: the candidates of a
// state and of any of its permutations are then the same set of encodings,
// so the minimum is still a function of the orbit, and usually there is
// only one candidate.
func (f *fingerprinter) fingerprint(st *world.State) uint64 {
	f.ident = f.c.encode(f.ident[:0], st, nil, nil)
	return f.orbit(st)
}

// orbit is fingerprint for a state whose identity encoding is already in
// f.ident.
func (f *fingerprinter) orbit(st *world.State) uint64 {
	h := xxhash.Sum64(f.ident)
	if f.perms == nil {
		return h
	}
	n := f.c.numAcc
	f.sig = f.sig[:0]
	for i := 0; i < n; i++ {
		nd := &st.Nodes[i]
		b := append(f.buf[:0], boolByte(nd.Crashed))
		b = putDurable(b, &nd.Mem)
		b = putDurable(b, &st.Stored[i])
		f.buf = b
		f.sig = append(f.sig, xxhash.Sum64(b))
	}
	best := uint64(0)
	first := true
	for _, p := range f.perms {
		ok := true
		for j := 1; j < n; j++ {
			if f.sig[p.inv[j-1]] > f.sig[p.inv[j]] {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		var x uint64
		if isIdentity(p.fwd) {
			x = h
		} else {
			f.buf = f.c.encode(f.buf[:0], st, p.fwd, p.inv)
			x = xxhash.Sum64(f.buf)
		}
		if first || x < best {
			best, first = x, false
		}
	}
	return best
}

func isIdentity(p []int) bool {
	for i, x := range p {
		if i != x {
			return false
		}
	}
	return true
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
