package multipaxos

import (
	"math/bits"
	"slices"

	"github.com/paxoscheck/paxoscheck/impl/ballot"
)

// ---- acceptor (spec Phase1b, Phase2b)

func (n *Node) acceptorDeliver(c *Config, m Message) Effects {
	switch m.Type {
	case Msg1a:
		if !n.Mem.MaxBal.Less(m.Bal) {
			return n.nack(m)
		}
		n.Mem.MaxBal = m.Bal
		d := n.durable()
		var from []SlotVote
		for _, v := range n.Mem.Votes {
			if v.Slot >= m.Slot {
				from = append(from, v)
			}
		}
		e := Effects{Persist: &d, Send: []Message{{Type: Msg1b, From: n.ID, To: m.From, Bal: m.Bal, Slot: m.Slot, Votes: MakeVoteList(from)}}}
		if c.Bugs.Has(BugPromiseNotPersisted) {
			// BUG promise-not-persisted: the promise is only in memory
			// until the acceptor's next write; a crash before it forgets
			// the promise.
			e.Persist = nil
		}
		return e
	case Msg2a:
		i, voted := slices.BinarySearchFunc(n.Mem.Votes, m.Slot, func(v SlotVote, s Slot) int { return cmpSlot(v.Slot, s) })
		if m.Bal.Less(n.Mem.MaxBal) && !(c.Bugs.Has(BugPerSlotPromise) && !voted) {
			return n.nack(m)
		}
		n.Mem.MaxBal = ballot.Max(n.Mem.MaxBal, m.Bal)
		sv := SlotVote{Slot: m.Slot, Vote: Vote{Bal: m.Bal, Cmd: m.Cmd}}
		if i == len(n.Mem.Votes) {
			n.Mem.Votes = grow(c, n.Mem.Votes, sv) // the usual case: a slot above every vote
		} else {
			votes := make([]SlotVote, 0, len(n.Mem.Votes)+1)
			votes = append(votes, n.Mem.Votes[:i]...)
			votes = append(votes, sv)
			if voted {
				i++
			}
			n.Mem.Votes = append(votes, n.Mem.Votes[i:]...)
		}
		d := n.durable()
		e := Effects{Persist: &d, Send: []Message{{Type: Msg2b, From: n.ID, To: m.From, Bal: m.Bal, Slot: m.Slot, Cmd: m.Cmd}}}
		if c.Bugs.Has(BugAcceptNotPersisted) {
			// BUG accept-not-persisted: the vote is announced before it
			// is durable; it reaches stable storage only with the
			// acceptor's next write (a promise), and a crash before that
			// forgets it.
			e.Persist = nil
		}
		return e
	}
	return Effects{}
}

// nack tells the sender of m, whose ballot is below the promise, about the
// promise (a duplicate of the promised ballot itself gets nothing).
func (n *Node) nack(m Message) Effects {
	if m.Bal == n.Mem.MaxBal {
		return Effects{}
	}
	return Effects{Send: []Message{{Type: MsgNack, From: n.ID, To: m.From, Bal: n.Mem.MaxBal}}}
}

// durable is the acceptor's state to persist. Its slices are shared: the
// core never writes them in place.
func (n *Node) durable() Durable { return Durable{MaxBal: n.Mem.MaxBal, Votes: n.Mem.Votes} }

func cmpSlot(a, b Slot) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ---- proposer: clients and timeouts

// request takes a client's command. One its replica has applied already
// (a retry) is answered at once from the dedup table. A leader gives it
// the next slot; otherwise it waits for the next ballot.
func (n *Node) request(c *Config, cmd Command) Effects {
	if r, seen := n.Rep.KV.Seen(cmd); seen && !c.Bugs.Has(BugNoDedup) {
		return Effects{Replies: []Reply{r}}
	}
	if c.Bugs.Has(BugStaleRead) && cmd.Op == OpGet && n.Phase == Phase2 {
		_, r, _ := n.Rep.KV.Apply(cmd, false)
		return Effects{Replies: []Reply{r}}
	}
	n.Waiting = append(slices.Clip(n.Waiting), cmd)
	e := Effects{Timer: TimerArm}
	if n.Phase == Phase2 {
		n.propose(cmd)
		n.sendWindow(c, &e)
	} else {
		n.Pending = append(slices.Clip(n.Pending), cmd)
	}
	return e
}

// timeout starts a new ballot above every ballot the proposer has heard
// of, and runs phase 1 for every slot from the first it does not know to
// be chosen.
func (n *Node) timeout(c *Config) Effects {
	n.Mem.Round = max(n.Mem.Round, n.Seen.Round) + 1
	d := Durable{Round: n.Mem.Round}
	e := Effects{Persist: &d}
	n.Promised, n.Reported, n.Props = 0, nil, nil
	n.From = n.firstUnknown()
	// Every waiting command is proposed again at the new ballot: one the
	// old ballot got chosen may then be chosen twice, which the replicas'
	// dedup table makes harmless.
	n.Pending = slices.Clone(n.Waiting)
	if c.Bugs.Has(BugSkipPhase1) {
		n.Phase, n.NextSlot = Phase2, n.From
		n.assignPending()
		n.sendWindow(c, &e)
		return e
	}
	n.Phase = Phase1
	for _, a := range c.Acceptors {
		e.Send = append(e.Send, Message{Type: Msg1a, From: n.ID, To: a, Bal: n.Ballot(), Slot: n.From})
	}
	return e
}

// firstUnknown is the first slot the replica does not know to be chosen.
func (n *Node) firstUnknown() Slot {
	s := n.Rep.Next
	for _, k := range n.Rep.Known {
		if k.Slot != s {
			break
		}
		s++
	}
	return s
}

// ---- proposer: messages

func (n *Node) proposerDeliver(c *Config, m Message) Effects {
	switch m.Type {
	case Msg1b:
		return n.promise(c, m)
	case Msg2b:
		return n.voted(c, m)
	case MsgNack:
		if n.Seen.Less(m.Bal) {
			n.Seen = m.Bal
		}
		if n.Phase != PhaseIdle && n.Ballot().Less(m.Bal) {
			// Deposed: step down; the waiting commands wait for the
			// next ballot.
			n.Phase, n.Promised, n.Reported, n.Props, n.Pending = PhaseIdle, 0, nil, nil, nil
		}
		return Effects{}
	case MsgDecided:
		var e Effects
		n.learn(c, Entry{Slot: m.Slot, Cmd: m.Cmd}, &e)
		return e
	}
	return Effects{}
}

// promise counts a 1b of the current ballot and keeps, per slot, the vote
// it will adopt. With a quorum the proposer leads.
func (n *Node) promise(c *Config, m Message) Effects {
	a := acceptorIndex(c, m.From)
	if n.Phase != Phase1 || m.Bal != n.Ballot() || m.Slot != n.From || a < 0 || n.Promised&(1<<a) != 0 {
		return Effects{}
	}
	n.Promised |= 1 << a
	vs, _ := m.Votes.Votes() // well-formed: Enabled parsed it
	for _, v := range vs {
		n.Reported = adopt(n.Reported, v, c.Bugs.Has(BugAdoptLowestVote))
	}
	if bits.OnesCount64(n.Promised) < c.Quorum() {
		return Effects{}
	}
	return n.lead(c)
}

// adopt returns rep with v kept for its slot if it is the highest ballot
// reported there (the lowest under the adopt-lowest-vote bug).
func adopt(rep []SlotVote, v SlotVote, lowest bool) []SlotVote {
	i, ok := slices.BinarySearchFunc(rep, v.Slot, func(x SlotVote, s Slot) int { return cmpSlot(x.Slot, s) })
	if ok {
		if keep := rep[i].Bal.Less(v.Bal) != lowest; !keep || rep[i].Bal == v.Bal {
			return rep
		}
		out := slices.Clone(rep)
		out[i] = v
		return out
	}
	out := make([]SlotVote, 0, len(rep)+1)
	out = append(append(append(out, rep[:i]...), v), rep[i:]...)
	return out
}

// lead starts phase 2: every slot from From to the highest reported gets
// its adopted command, a hole a no-op (unless it is known chosen), and
// the waiting commands the slots after.
func (n *Node) lead(c *Config) Effects {
	n.Phase = Phase2
	top := n.From - 1
	if len(n.Reported) > 0 {
		top = max(top, n.Reported[len(n.Reported)-1].Slot)
	}
	n.Props = nil
	j := 0
	for s := n.From; s <= top; s++ {
		if n.known(s) {
			continue
		}
		for j < len(n.Reported) && n.Reported[j].Slot < s {
			j++
		}
		switch {
		case j < len(n.Reported) && n.Reported[j].Slot == s:
			n.Props = append(n.Props, Proposal{Slot: s, Cmd: n.Reported[j].Cmd})
		case !c.Bugs.Has(BugNoHoleFill):
			n.Props = append(n.Props, Proposal{Slot: s, Cmd: Noop})
		}
	}
	n.NextSlot = top + 1
	n.assignPending()
	var e Effects
	n.sendWindow(c, &e)
	return e
}

// known reports whether the replica knows slot s is chosen.
func (n *Node) known(s Slot) bool {
	if s < n.Rep.Next {
		return true
	}
	_, ok := slices.BinarySearchFunc(n.Rep.Known, s, func(k Entry, s Slot) int { return cmpSlot(k.Slot, s) })
	return ok
}

// assignPending gives every pending command a slot.
func (n *Node) assignPending() {
	for _, cmd := range n.Pending {
		n.propose(cmd)
	}
	n.Pending = nil
}

// propose gives cmd the leader's next free slot.
func (n *Node) propose(cmd Command) {
	for n.known(n.NextSlot) {
		n.NextSlot++
	}
	n.Props = append(slices.Clip(n.Props), Proposal{Slot: n.NextSlot, Cmd: cmd})
	n.NextSlot++
}

// sendWindow sends the 2a of every proposal not yet sent, in slot order,
// while fewer than Config.Pipeline are in flight.
func (n *Node) sendWindow(c *Config, e *Effects) {
	inFlight := 0
	for _, p := range n.Props {
		if p.Sent {
			inFlight++
		}
	}
	var props []Proposal
	for i, p := range n.Props {
		if p.Sent || inFlight >= c.Pipeline {
			continue
		}
		if props == nil {
			props = slices.Clone(n.Props)
		}
		props[i].Sent = true
		inFlight++
		for _, a := range c.Acceptors {
			e.Send = append(e.Send, Message{Type: Msg2a, From: n.ID, To: a, Bal: n.Ballot(), Slot: p.Slot, Cmd: p.Cmd})
		}
		if c.Bugs.Has(BugApplyBeforeChosen) {
			n.learn(c, Entry{Slot: p.Slot, Cmd: p.Cmd}, e)
		}
	}
	if props != nil {
		n.Props = props
	}
}

// voted counts a 2b of the current ballot; with a quorum its slot is
// chosen: the replica learns it, the other proposers are told, and the
// window moves on.
func (n *Node) voted(c *Config, m Message) Effects {
	a := acceptorIndex(c, m.From)
	if n.Phase != Phase2 || m.Bal != n.Ballot() || a < 0 {
		return Effects{}
	}
	i := slices.IndexFunc(n.Props, func(p Proposal) bool { return p.Slot == m.Slot && p.Sent && p.Cmd == m.Cmd })
	if i < 0 || n.Props[i].Acks&(1<<a) != 0 {
		return Effects{}
	}
	props := slices.Clone(n.Props)
	props[i].Acks |= 1 << a
	n.Props = props
	if bits.OnesCount64(props[i].Acks) < c.Quorum() {
		return Effects{}
	}
	ch := Entry{Slot: m.Slot, Cmd: m.Cmd}
	n.Props = slices.Delete(props, i, i+1) // props is this step's own copy
	var e Effects
	for _, p := range c.Proposers {
		if p != n.ID {
			e.Send = append(e.Send, Message{Type: MsgDecided, From: n.ID, To: p, Slot: ch.Slot, Cmd: ch.Cmd})
		}
	}
	n.learn(c, ch, &e)
	n.sendWindow(c, &e)
	return e
}

func acceptorIndex(c *Config, id NodeID) int {
	for i, x := range c.Acceptors {
		if x == id {
			return i
		}
	}
	return -1
}

// ---- replica

// learn records that ch is chosen and applies every slot it can, strictly
// in order (under the no-hole-fill bug, the lowest known slot even past a
// gap). The clients waiting here whose commands take effect, or turn out
// applied already, are answered; when none waits, the timer is cancelled.
func (n *Node) learn(c *Config, ch Entry, e *Effects) {
	if n.known(ch.Slot) {
		return
	}
	e.Learned = append(e.Learned, ch)
	i, _ := slices.BinarySearchFunc(n.Rep.Known, ch.Slot, func(k Entry, s Slot) int { return cmpSlot(k.Slot, s) })
	if i == len(n.Rep.Known) {
		n.Rep.Known = grow(c, n.Rep.Known, ch)
	} else {
		known := make([]Entry, 0, len(n.Rep.Known)+1)
		n.Rep.Known = append(append(append(known, n.Rep.Known[:i]...), ch), n.Rep.Known[i:]...)
	}
	if n.Phase == Phase2 && n.NextSlot <= ch.Slot {
		n.NextSlot = ch.Slot + 1
	}
	for len(n.Rep.Known) > 0 && (n.Rep.Known[0].Slot == n.Rep.Next || c.Bugs.Has(BugNoHoleFill)) {
		k := n.Rep.Known[0]
		n.Rep.Known = n.Rep.Known[1:]
		n.Rep.Next = k.Slot + 1
		kv, r, took := n.Rep.KV.Apply(k.Cmd, !c.Bugs.Has(BugNoDedup))
		e.Applied = append(e.Applied, Applied{Slot: k.Slot, Effect: took})
		n.Rep.KV = kv
		if took {
			n.Rep.Applied = grow(c, n.Rep.Applied, k.Cmd)
		}
		if k.Cmd.Op == OpNoop {
			continue
		}
		if w := slices.Index(n.Waiting, k.Cmd); w >= 0 {
			n.Waiting = slices.Delete(slices.Clone(n.Waiting), w, w+1)
			if p := slices.Index(n.Pending, k.Cmd); p >= 0 {
				n.Pending = slices.Delete(slices.Clone(n.Pending), p, p+1)
			}
			e.Replies = append(e.Replies, r)
			if len(n.Waiting) == 0 {
				e.Timer = TimerCancel
			}
		}
	}
	if len(n.Rep.Known) == 0 {
		n.Rep.Known = nil
	}
}
