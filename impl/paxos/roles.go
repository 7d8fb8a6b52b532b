package paxos

import (
	"math/bits"

	"github.com/paxoscheck/paxoscheck/impl/ballot"
)

// ---- proposer (Paxos Made Simple, section 2.2, "Phase 1 (a)" and "Phase 2 (a)")

// request records a client waiting at this proposer. The first request
// gives the proposer its own value; later ones wait for whatever is chosen.
func (n *Node) request(client ClientID, v Value) Effects {
	n.Clients |= 1 << client
	first := n.Value == None
	if first {
		n.Value = v
	}
	if n.Decided != None {
		return n.reply()
	}
	if first {
		// A value to propose: from now on, until a value is decided,
		// the proposer retries when its timer fires.
		return Effects{Timer: TimerArm}
	}
	return Effects{}
}

// timeout starts a ballot above every ballot this proposer has used or heard
// of: spec Phase1a. The new round is durable before the 1a leaves.
func (n *Node) timeout(c *Config) Effects {
	round := n.Mem.Round
	if n.Seen.Round > round {
		round = n.Seen.Round
	}
	n.Mem.Round = round + 1
	n.Promised, n.HighVBal, n.HighVal, n.LowVBal, n.LowVal, n.Proposal = 0, Ballot{}, None, Ballot{}, None, None
	persist := Durable{Round: n.Mem.Round}
	b := n.Ballot()
	if c.Bugs.Has(BugSkipPrepare) {
		// BUG skip-prepare: straight to phase 2 with our own value. Nothing
		// guarantees the value is safe at b (P2c), so a chosen value can
		// be overwritten.
		n.Phase = Phase2
		n.Proposal = n.Value
		return Effects{Persist: &persist, Send: broadcast(c.Acceptors, Message{Type: Msg2a, From: n.ID, Bal: b, Val: n.Value})}
	}
	n.Phase = Phase1
	return Effects{Persist: &persist, Send: broadcast(c.Acceptors, Message{Type: Msg1a, From: n.ID, Bal: b})}
}

func broadcast(to []NodeID, m Message) []Message {
	out := make([]Message, len(to))
	for i, id := range to {
		m.To = id
		out[i] = m
	}
	return out
}

func (n *Node) proposerDeliver(c *Config, m Message) Effects {
	switch m.Type {
	case MsgNack:
		// Someone promised a higher ballot: remember it so that the next
		// timeout starts above it. The current ballot is not abandoned
		// here; it may still succeed with other acceptors.
		n.Seen = ballot.Max(n.Seen, m.Bal)
		return Effects{}
	case MsgDecided:
		if n.Decided == None {
			n.Decided = m.Val
			e := n.reply()
			e.Timer = TimerCancel // nothing left to retry
			return e
		}
		return n.reply()
	case Msg1b:
		return n.promise(c, m)
	}
	return Effects{}
}

// promise counts a 1b for the current ballot; at a quorum it sends 2a with
// the value of the highest-numbered vote reported, or its own value if none
// was (spec Phase2a, Paxos Made Simple P2c).
func (n *Node) promise(c *Config, m Message) Effects {
	if n.Phase != Phase1 || m.Bal != n.Ballot() {
		return Effects{} // stale or duplicate: this ballot has moved on
	}
	a := c.AcceptorIndex(m.From)
	if a < 0 {
		return Effects{}
	}
	n.Promised |= 1 << uint(a)
	if !m.VBal.IsZero() {
		if n.HighVBal.Less(m.VBal) {
			n.HighVBal, n.HighVal = m.VBal, m.Val
		}
		if c.Bugs.Has(BugPickLowestPromisedValue) && (n.LowVBal.IsZero() || m.VBal.Less(n.LowVBal)) {
			n.LowVBal, n.LowVal = m.VBal, m.Val
		}
	}
	if bits.OnesCount64(n.Promised) < c.Quorum() {
		return Effects{}
	}
	v := n.HighVal
	switch {
	case c.Bugs.Has(BugIgnorePromisedValue):
		// BUG ignore-promised-value: a reported vote may belong to a
		// chosen value; proposing our own value can choose a second one.
		v = n.Value
	case c.Bugs.Has(BugPickLowestPromisedValue):
		// BUG pick-lowest-promised-value: only the highest reported vote
		// is known to be safe; a lower one may have been superseded.
		v = n.LowVal
	}
	if v == None {
		v = n.Value
	}
	n.Phase = Phase2
	n.Proposal = v
	return Effects{Send: broadcast(c.Acceptors, Message{Type: Msg2a, From: n.ID, Bal: n.Ballot(), Val: v})}
}

// reply answers every waiting client with the decided value.
func (n *Node) reply() Effects {
	var e Effects
	for cl := 0; cl < 64; cl++ {
		if n.Clients&(1<<uint(cl)) != 0 {
			e.Replies = append(e.Replies, Reply{Client: ClientID(cl), Value: n.Decided})
		}
	}
	n.Clients = 0
	return e
}

// ---- acceptor (section 2.2, "Phase 1 (b)" and "Phase 2 (b)")

func (n *Node) acceptorDeliver(c *Config, m Message) Effects {
	switch m.Type {
	case Msg1a:
		return n.prepare(c, m)
	case Msg2a:
		return n.accept(c, m)
	}
	return Effects{}
}

// prepare is spec Phase1b: promise a ballot above every earlier promise and
// report the last vote.
func (n *Node) prepare(c *Config, m Message) Effects {
	switch m.Bal.Compare(n.Mem.MaxBal) {
	case -1:
		return Effects{Send: []Message{{Type: MsgNack, From: n.ID, To: m.From, Bal: n.Mem.MaxBal}}}
	case 0:
		return Effects{} // already promised (a duplicate 1a); the spec needs m.bal > maxBal
	}
	n.Mem.MaxBal = m.Bal
	reply := []Message{{Type: Msg1b, From: n.ID, To: m.From, Bal: m.Bal, VBal: n.Mem.MaxVBal, Val: n.Mem.MaxVal}}
	if c.Bugs.Has(BugPromiseNotPersisted) {
		// BUG promise-not-persisted: the promise is only in memory. A
		// crash forgets it, and the acceptor may then vote below a ballot
		// it promised, behind the back of a proposer that counted it.
		return Effects{Send: reply}
	}
	d := n.Mem
	return Effects{Persist: &d, Send: reply}
}

// accept is spec Phase2b: vote for the 2a's value unless a higher ballot
// was promised.
func (n *Node) accept(c *Config, m Message) Effects {
	if m.Bal.Less(n.Mem.MaxBal) && !c.Bugs.Has(BugAcceptBelowPromise) {
		return Effects{Send: []Message{{Type: MsgNack, From: n.ID, To: m.From, Bal: n.Mem.MaxBal}}}
	}
	// BUG accept-below-promise (when on) falls through here for a ballot
	// below the promise and votes anyway.
	n.Mem.MaxBal = ballot.Max(n.Mem.MaxBal, m.Bal)
	n.Mem.MaxVBal, n.Mem.MaxVal = m.Bal, m.Val
	votes := make([]Message, 0, len(c.Learners))
	for _, l := range c.Learners {
		votes = append(votes, Message{Type: Msg2b, From: n.ID, To: l, Bal: m.Bal, Val: m.Val})
	}
	if c.Bugs.Has(BugAcceptNotPersisted) {
		// BUG accept-not-persisted: the vote is announced but not durable.
		// After a crash the acceptor reports an older vote (or none) in
		// phase 1, so a value a learner saw chosen can be replaced.
		return Effects{Send: votes}
	}
	d := n.Mem
	return Effects{Persist: &d, Send: votes}
}

// ---- learner (section 2.3)

// learnerDeliver records a 2b; a value is learned when a quorum of acceptors
// voted for it in one ballot. Once learned, the learner tells every proposer.
func (n *Node) learnerDeliver(c *Config, m Message) Effects {
	a := c.AcceptorIndex(m.From)
	if a < 0 || m.Type != Msg2b {
		return Effects{}
	}
	v := &n.Votes[a]
	switch m.Bal.Compare(v.Bal) {
	case -1:
		return Effects{} // an older vote, superseded
	case 1:
		*v = Vote{Bal: m.Bal, Val: m.Val}
	}
	if c.Bugs.Has(BugLearnerCountsDuplicates) && v.N < 255 {
		// Only the bug reads N; leaving it zero otherwise keeps states
		// that differ only in how often a 2b arrived equal.
		v.N++
	}
	if n.Learned != None {
		return Effects{}
	}
	count := 0
	for i := range c.Acceptors {
		if n.Votes[i].Bal == m.Bal {
			if c.Bugs.Has(BugLearnerCountsDuplicates) {
				// BUG learner-counts-duplicates: counts messages, not
				// acceptors; one acceptor's duplicated 2b makes a
				// "quorum" of one voter.
				count += int(n.Votes[i].N)
			} else {
				count++
			}
		}
	}
	if count < c.Quorum() {
		return Effects{}
	}
	n.Learned = m.Val
	return Effects{Learned: m.Val, Send: broadcast(c.Proposers, Message{Type: MsgDecided, From: n.ID, Val: m.Val})}
}
