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
	// dead: hash the canonical state of the dead-state reduction (dead.go).
	dead  bool
	ident []byte // identity encoding, filled by the caller when needed
	buf   []byte
	sig   []uint64
	live  []int // indices of the Net messages in the key (dead.go)
}

// fingerprint returns the fingerprint of st: a 64-bit hash of its key (the
// canonical state of dead.go when that reduction is on, else the state),
// the same for every state of its orbit under symmetry.
//
// The hash is not of one byte string: the nodes, counters and budgets are
// encoded and hashed with xxhash, and each message list (a multiset, or
// the set network's set) is hashed as the sum of a 64-bit mix of each
// message, which needs no sorting, so a permutation only re-hashes renamed
// messages. Distinct keys collide with probability about 2^-64 per pair,
// as for any 64-bit fingerprint.
//
// Under symmetry it is the least hash over the permuted keys. Only
// permutations that list the acceptors in ascending order of their own
// local state (crashed flag, memory, storage: which names no other
// acceptor, so it moves with the acceptor) are tried: the candidates of a
// state and of any of its permutations are then the same set of keys, so
// the minimum is still a function of the orbit, and usually there is only
// one candidate.
func (f *fingerprinter) fingerprint(st *world.State) uint64 {
	f.live = f.live[:0]
	dead := f.dead && f.c.setup.SetNetwork
	for i := range st.Net {
		if !dead || !deadMsg(f.c.setup, st, &st.Net[i]) {
			f.live = append(f.live, i)
		}
	}
	if f.perms == nil {
		return f.hash(st, nil, nil)
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
		fwd, inv := p.fwd, p.inv
		if isIdentity(fwd) {
			fwd, inv = nil, nil
		}
		if x := f.hash(st, fwd, inv); first || x < best {
			best, first = x, false
		}
	}
	return best
}

// hash is the hash of st's key with acceptor index i renamed fwd[i].
func (f *fingerprinter) hash(st *world.State, fwd, inv []int) uint64 {
	c := f.c
	f.buf = c.appendNodes(f.buf[:0], st, fwd, inv, f.dead)
	f.buf = c.appendCounters(f.buf, st)
	h := xxhash.Sum64(f.buf)
	var net, sent uint64
	for _, i := range f.live {
		net += c.msgHash(&st.Net[i], fwd, true)
	}
	for i := range st.Sent {
		sent += c.msgHash(&st.Sent[i], fwd, false)
	}
	return mix64(h ^ mix64(net^0x9e3779b97f4a7c15) ^ mix64(mix64(sent^0xc2b2ae3d27d4eb4f)))
}

// msgHash mixes one message, renamed under fwd (From always, To when
// mapTo), into 64 bits. Values are numbered by the setup's client values.
func (c *codec) msgHash(m *paxos.Message, fwd []int, mapTo bool) uint64 {
	from, to := m.From, m.To
	if fwd != nil {
		from = c.mapID(from, fwd)
		if mapTo {
			to = c.mapID(to, fwd)
		}
	}
	val := uint64(0)
	if m.Val != paxos.None {
		val = c.valueNumber(m.Val)
	}
	a := uint64(m.Type) | uint64(from)<<8 | uint64(to)<<16 | uint64(m.Bal.Proposer)<<24 |
		uint64(m.VBal.Proposer)<<32 | val<<40
	b := uint64(m.Bal.Round) | uint64(m.VBal.Round)<<32
	return mix64(a ^ mix64(b^0x165667b19e3779f9))
}

// valueNumber numbers v by the setup's client values (1, 2, ...); a value
// that is not a client's (never in a world) gets a hash of it, above them.
func (c *codec) valueNumber(v paxos.Value) uint64 {
	for i, x := range c.values {
		if x == v {
			return uint64(i + 1)
		}
	}
	return 256 + xxhash.Sum64String(string(v))&0xffff
}

// mix64 is the finaliser of MurmurHash3: a bijection of 64-bit words whose
// output bits each depend on every input bit.
func mix64(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
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
