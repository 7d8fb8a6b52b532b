package paxosexplore

import (
	"slices"

	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
)

// symmetric reports whether the setup treats acceptors alike, so that
// the acceptor symmetry may be tried (hintSymmetry): there are at least
// two, and every acceptor may crash, or none may (a Crashable list naming
// only some of them tells them apart). Whether the code treats them alike
// is the certifier's question (certify.go): it runs every step it checks
// on every permuted copy of the node and input too.
func symmetric(s *world.Setup) bool {
	n := len(s.Config.Acceptors)
	if n < 2 || s.Crashable == nil {
		return n >= 2
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

// The permutation of acceptors acts on what names an acceptor: its node
// id and index, the From and To of messages, a proposer's Promised bits
// and a learner's votes (the layout the fingerprint's columns follow,
// hash.go). Ballots name proposers, values name clients: neither moves.

// permID maps a node id under p (non-acceptors stay).
func (c *codec) permID(p *perm, id paxos.NodeID) paxos.NodeID {
	if a := c.accIdx[id]; a >= 0 {
		return c.setup.Config.Acceptors[p.fwd[a]]
	}
	return id
}

// permMsg is the image of m under p.
func (c *codec) permMsg(p *perm, m paxos.Message) paxos.Message {
	m.From, m.To = c.permID(p, m.From), c.permID(p, m.To)
	return m
}

// permNode is the image of node n under p (paxos.Node.PermuteAcceptors:
// the protocol says which of a node's fields name acceptors).
func (c *codec) permNode(p *perm, n paxos.Node) paxos.Node {
	n.PermuteAcceptors(p.fwd, c.setup.Config.Acceptors)
	return n
}

// permAction is the image of action a under p.
func (c *codec) permAction(p *perm, a world.Action) world.Action {
	a.Node = c.permID(p, a.Node)
	a.Msg = c.permMsg(p, a.Msg)
	return a
}
