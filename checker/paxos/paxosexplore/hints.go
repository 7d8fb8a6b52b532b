package paxosexplore

import (
	"strings"

	"github.com/paxoscheck/paxoscheck/impl/paxos"
)

// Reduction hints.
//
// The dead-state reduction (dead.go) merges states that differ only in
// what no later step reads, and leaves out of the fingerprint messages
// whose delivery can never change anything. What "no later step reads" is
// comes from reading impl/paxos, and a checker must not believe it: the
// code under test may be the one that reads it. So each such rule is a
// hint, a hypothesis named by one bit of hints, and the search proves the
// hints it uses against the code it runs, in the same run (certify.go);
// a hint the code refutes is switched off and the search starts again
// without it (Run). The hints are the only place that names the fields
// they treat as dead: the fingerprint hashes canonical(...) and asks
// deadMsg, and the certifier checks exactly these two functions.
type hints uint16

// The hints, by group. Each one can be refuted on its own.
const (
	// hintTallies: a proposer outside phase 1 does not read its phase-1
	// tallies (Promised, HighVBal/HighVal, LowVBal/LowVal).
	hintTallies hints = 1 << iota
	// hintSeen: a proposer reads Seen only through the round of a
	// timeout, max(Round, Seen.Round): the part of Seen at or below its
	// own round, and Seen's proposer, are dead; all of Seen once it has
	// heard a decided value and cannot crash (it never times out again).
	hintSeen
	// hintVotes: a learner does not read the values of the votes it
	// recorded (only their ballots, and the duplicates bug's counts), and
	// reads no vote once it has learned.
	hintVotes
	// hintDead1b: a proposer ignores, for ever, a 1b of a ballot below
	// its own, and one of its own ballot outside phase 1 (its round is
	// durable, and phase 1 of a ballot is never entered again).
	hintDead1b
	// hintDeadNack: a proposer that cannot crash ignores, for ever, a
	// nack whose round is at most max(Round, Seen.Round), and every nack
	// once it heard a decided value.
	hintDeadNack
	// hintDeadDecided: a proposer that cannot crash, has heard a decided
	// value and has no client waiting ignores, for ever, a decided.
	hintDeadDecided
	// hintDead2b: a learner that cannot crash ignores, for ever, a 2b
	// below the vote it recorded for that acceptor, and every 2b once it
	// has learned.
	hintDead2b
	// hintStutter: a crash of a node whose restart gives back exactly
	// its state (checked by running crash and restart in the state at
	// hand) need not be explored: the node only pauses.
	hintStutter
	// hintSymmetry: acceptors are interchangeable; the fingerprint merges
	// a state with its images under every permutation of acceptors.
	hintSymmetry
)

// canonHints are the hints canonical reads; msgHints those deadMsg reads.
const (
	canonHints = hintTallies | hintSeen | hintVotes
	msgHints   = hintDead1b | hintDeadNack | hintDeadDecided | hintDead2b
	deadHints  = canonHints | msgHints | hintStutter
	allHints   = deadHints | hintSymmetry
)

var hintNames = []struct {
	h    hints
	name string
}{
	{hintTallies, "tallies"}, {hintSeen, "seen"}, {hintVotes, "votes"},
	{hintDead1b, "dead-1b"}, {hintDeadNack, "dead-nack"}, {hintDeadDecided, "dead-decided"}, {hintDead2b, "dead-2b"},
	{hintStutter, "stutter-crash"}, {hintSymmetry, "symmetry"},
}

// String lists the hints by name, comma separated ("none" for none).
func (h hints) String() string {
	var out []string
	for _, x := range hintNames {
		if h&x.h != 0 {
			out = append(out, x.name)
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ",")
}

// names returns the hints' names.
func (h hints) names() []string {
	var out []string
	for _, x := range hintNames {
		if h&x.h != 0 {
			out = append(out, x.name)
		}
	}
	return out
}

// canonical returns n with every field the hints h call dead cleared: the
// node the fingerprint hashes. mayCrash says whether n can still crash
// (the fault budget is not spent and n is crashable). An acceptor has
// nothing dead: all its state is read, by its own steps or by the
// invariants.
func canonical(h hints, n *paxos.Node, mayCrash bool) paxos.Node {
	c := *n
	if canonIsNode(h, n) {
		return c
	}
	switch n.Role {
	case paxos.RoleProposer:
		if h&hintTallies != 0 && n.Phase != paxos.Phase1 {
			c.Promised, c.HighVBal, c.HighVal, c.LowVBal, c.LowVal = 0, paxos.Ballot{}, paxos.None, paxos.Ballot{}, paxos.None
		}
		if h&hintSeen != 0 {
			c.Seen = paxos.Ballot{}
			if n.Seen.Round > n.Mem.Round && (n.Decided == paxos.None || mayCrash) {
				c.Seen.Round = n.Seen.Round
			}
		}
	case paxos.RoleLearner:
		if h&hintVotes != 0 {
			for i := range c.Votes {
				if n.Learned != paxos.None {
					c.Votes[i] = paxos.Vote{}
				} else {
					c.Votes[i].Val = paxos.None
				}
			}
		}
	}
	return c
}

// canonIsNode reports whether canonical leaves n as it is whatever its
// fields hold: no canonical hint in h, a crashed node (it holds nothing
// volatile), or an acceptor.
func canonIsNode(h hints, n *paxos.Node) bool {
	return h&canonHints == 0 || n.Crashed || n.Role == paxos.RoleAcceptor
}

// canonicalRef is canonical without a copy where canonical changes
// nothing (canonIsNode): n itself, else canonical's result written to buf.
func canonicalRef(h hints, n *paxos.Node, mayCrash bool, buf *paxos.Node) *paxos.Node {
	if canonIsNode(h, n) {
		return n
	}
	*buf = canonical(h, n, mayCrash)
	return buf
}

// deadMsg reports whether the hints h call m dead at its addressee, whose
// canonical state is cn: its delivery changes nothing the fingerprint
// holds, now and in every later state. Such a message is left out of the
// fingerprint and its delivery is not explored. A crashed node has no dead
// messages (what it comes back with is another question, see certify.go).
// acc maps an acceptor's node id to its index (-1 for other nodes).
func deadMsg(h hints, cn *paxos.Node, m *paxos.Message, mayCrash bool, acc *[256]int8) bool {
	if h&msgHints == 0 || cn.Crashed {
		return false
	}
	switch cn.Role {
	case paxos.RoleProposer:
		switch m.Type {
		case paxos.Msg1b:
			if h&hintDead1b == 0 {
				return false
			}
			b := cn.Ballot()
			if m.Bal.Less(b) {
				return true
			}
			// A 1b of its own ballot is dead once phase 1 of it is over
			// (or never started). One from an acceptor counted already
			// is ignored by the correct proposer only because an
			// acceptor sends one 1b per ballot, which is not the
			// proposer's doing: the hint does not claim it.
			return m.Bal == b && cn.Phase != paxos.Phase1
		case paxos.MsgNack:
			if h&hintDeadNack == 0 || mayCrash {
				return false
			}
			return m.Bal.Round <= max(cn.Mem.Round, cn.Seen.Round) || cn.Decided != paxos.None
		case paxos.MsgDecided:
			return h&hintDeadDecided != 0 && !mayCrash && cn.Decided != paxos.None && cn.Clients == 0
		}
	case paxos.RoleLearner:
		if m.Type != paxos.Msg2b || h&hintDead2b == 0 || mayCrash {
			return false
		}
		if cn.Learned != paxos.None {
			return true
		}
		a := acc[m.From]
		return a >= 0 && m.Bal.Less(cn.Votes[a].Bal)
	}
	return false
}

// msgHint is the hint that decides whether a message of type t is dead.
func msgHint(t paxos.MsgType) hints {
	switch t {
	case paxos.Msg1b:
		return hintDead1b
	case paxos.MsgNack:
		return hintDeadNack
	case paxos.MsgDecided:
		return hintDeadDecided
	case paxos.Msg2b:
		return hintDead2b
	}
	return 0
}
