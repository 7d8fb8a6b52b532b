package multipaxostrace

import (
	"fmt"
	"slices"

	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
	"github.com/paxoscheck/paxoscheck/traces"
)

// MaxOps bounds Header.Ops: an operation's index is a uint8 in the state
// graph, whose operation sets hold 256 (graph.MaxClients; a test of
// mpworld keeps the two equal).
const MaxOps = 256

// validator checks the Multi-Paxos fields of a trace, line by line,
// keeping the messages in flight.
type validator struct {
	h      Header
	cfg    mp.Config
	flight traces.Flight[mp.Message]

	// part is set when the trace is one node's part (ReadPart): its
	// consumed messages were sent in other parts, so only the ids it
	// sends are its own to check (sent), and its operations are the
	// commands its Invoke steps carry (invoked).
	part    bool
	sent    map[int]bool
	invoked []mp.Command
}

// Header checks the cluster and the operations.
func (v *validator) Header(h *Header) error {
	cfg, err := h.Config()
	if err != nil {
		return fmt.Errorf("bad config: %w", err)
	}
	switch {
	case v.part && h.Part == nil:
		return fmt.Errorf("not a node's part of a cluster's trace: the header has no \"part\"")
	case !v.part && h.Part != nil:
		return fmt.Errorf("node %d's part of a cluster's trace, not a whole trace: merge the parts first (paxoscheck merge)", h.Part.Node)
	case v.part && len(h.Ops) > 0:
		return fmt.Errorf("a part lists no ops: its Invoke steps carry their commands")
	}
	if v.part {
		if _, _, ok := cfg.RoleOf(h.Part.Node); !ok {
			return fmt.Errorf("the part of node %d, which is not in the configuration", h.Part.Node)
		}
		v.sent = map[int]bool{}
	}
	if len(h.Ops) > MaxOps {
		return fmt.Errorf("%d operations, at most %d", len(h.Ops), MaxOps)
	}
	for i, op := range h.Ops {
		switch r, _, ok := cfg.RoleOf(op.Proposer); {
		case op.ID != i:
			return fmt.Errorf("operation %d has id %d, want ids 0..n-1 in order", i, op.ID)
		case !ok || r != mp.RoleProposer:
			return fmt.Errorf("operation %d goes to node %d, which is not a proposer", i, op.Proposer)
		case !op.Cmd.Valid() || op.Cmd.Op == mp.OpNoop:
			return fmt.Errorf("operation %d: %s is not a client's command (op, key and seq from 1; only the fields its op reads)", i, op.Cmd)
		}
		for _, o := range h.Ops[:i] {
			if o.Cmd.Client == op.Cmd.Client && o.Cmd.Seq == op.Cmd.Seq {
				return fmt.Errorf("operations %d and %d are both command %d of client %d", o.ID, i, op.Cmd.Seq, op.Cmd.Client)
			}
		}
	}
	v.h, v.cfg = *h, cfg
	return nil
}

// message checks the contents of m (not its id).
func (v *validator) message(m *mp.Message) string {
	if m.Type < mp.Msg1a || m.Type > mp.MsgDecided {
		return fmt.Sprintf("unknown message type %d", uint8(m.Type))
	}
	for _, end := range []struct {
		what string
		id   mp.NodeID
	}{{"from", m.From}, {"to", m.To}} {
		if _, _, ok := v.cfg.RoleOf(end.id); !ok {
			return fmt.Sprintf("%s %s node %d, which is not in the configuration", m.Type, end.what, end.id)
		}
	}
	if !m.Bal.IsZero() && int(m.Bal.Proposer) >= len(v.cfg.Proposers) {
		return fmt.Sprintf("bad ballot %s: proposer index %d, but there are %d proposers", m.Bal, m.Bal.Proposer, len(v.cfg.Proposers))
	}
	if m.Type != mp.MsgDecided && m.Bal.IsZero() {
		return fmt.Sprintf("a %s message needs bal", m.Type)
	}
	if m.Type != mp.MsgNack && m.Slot < 1 {
		return fmt.Sprintf("a %s message needs a slot from 1", m.Type)
	}
	switch m.Type {
	case mp.Msg2a, mp.Msg2b, mp.MsgDecided:
		if !m.Cmd.Valid() {
			return fmt.Sprintf("a %s message needs a valid cmd, not %s", m.Type, m.Cmd)
		}
	default:
		if !m.Cmd.IsZero() {
			return fmt.Sprintf("a %s message has no cmd", m.Type)
		}
	}
	if m.Type != mp.Msg1b && m.Votes != "" {
		return fmt.Sprintf("a %s message has no votes", m.Type)
	}
	if _, err := m.Votes.Votes(); err != nil {
		return fmt.Sprintf("bad votes: %v", err)
	}
	return ""
}

// Step checks s, after the envelope's checks of its number and time.
func (v *validator) Step(s *Step) error {
	bad := func(format string, args ...any) error { return fmt.Errorf(format, args...) }
	want, delivers := consumes[s.Action]
	if !delivers && !slices.Contains(Actions, s.Action) {
		return bad("unknown action %q", s.Action)
	}
	role, _, ok := v.cfg.RoleOf(s.Node)
	if !ok {
		return bad("node %d is not in the configuration", s.Node)
	}
	needsMsg := delivers || s.Action == EvDrop || s.Action == EvDuplicate
	if needsMsg && s.Msg == nil {
		return bad("%s needs a msg", s.Action)
	}
	if s.Msg != nil && !needsMsg && s.Action != EvCrash {
		return bad("%s takes no msg", s.Action)
	}
	network := s.Action == EvDrop || s.Action == EvDuplicate
	if err := v.partFields(s, network); err != nil {
		return err
	}
	switch s.Action {
	case EvPhase1a:
		if role != mp.RoleProposer {
			return bad("Phase1a at node %d, which is a %s, not a proposer", s.Node, role)
		}
	case EvInvoke:
		if v.part {
			break // partFields checked Cmd
		}
		if s.Op == nil {
			return bad("Invoke needs an op")
		}
		if *s.Op < 0 || *s.Op >= len(v.h.Ops) {
			return bad("op %d is out of range: the header has %d operations", *s.Op, len(v.h.Ops))
		}
		if p := v.h.Ops[*s.Op].Proposer; p != s.Node {
			return bad("Invoke of op %d at node %d, but the header sends it to node %d", *s.Op, s.Node, p)
		}
	case EvDrop, EvDuplicate, EvCrash, EvRestart:
		if len(s.Learned) > 0 || len(s.Applied) > 0 || len(s.Replies) > 0 {
			return bad("%s learns and applies nothing and answers no client", s.Action)
		}
	}
	if s.Action != EvInvoke && s.Op != nil {
		return bad("op belongs to Invoke steps only")
	}
	if network && (s.Persist != nil || s.Timer != mp.TimerKeep) {
		return bad("%s is the network's: it persists nothing and arms no timer", s.Action)
	}
	for _, r := range s.Replies {
		if v.part {
			if !slices.ContainsFunc(v.invoked, func(c mp.Command) bool { return c.Client == r.Client && c.Seq == r.Seq }) {
				return bad("reply to command %d of client %d, which no Invoke of this part brought", r.Seq, r.Client)
			}
			continue
		}
		if !slices.ContainsFunc(v.h.Ops, func(o Op) bool { return o.Cmd.Client == r.Client && o.Cmd.Seq == r.Seq }) {
			return bad("reply to command %d of client %d, which no operation of the header is", r.Seq, r.Client)
		}
	}
	for _, e := range s.Learned {
		if e.Slot < 1 || !e.Cmd.Valid() {
			return bad("learned slot %d with %s: want a slot from 1 and a valid command", e.Slot, e.Cmd)
		}
	}
	for i, a := range s.Applied {
		if a.Slot < 1 || i > 0 && a.Slot <= s.Applied[i-1].Slot {
			return bad("applied slots %v: want slots from 1, in increasing order", s.Applied)
		}
	}
	if len(s.Applied) > 0 && role != mp.RoleProposer {
		return bad("node %d applies slots, but only a proposer's replica applies", s.Node)
	}
	switch s.Action {
	case EvDrop, EvCrash:
		if len(s.Sent) > 0 {
			return bad("%s sends nothing", s.Action)
		}
	case EvDuplicate:
		if len(s.Sent) != 1 {
			return bad("Duplicate sends exactly one copy, not %d", len(s.Sent))
		}
	}
	if m := s.Msg; m != nil {
		if r := v.message(&m.Message); r != "" {
			return bad("msg %d: %s", m.ID, r)
		}
		if m.DupOf != 0 {
			return bad("msg %d: dup_of belongs to sent copies only", m.ID)
		}
		if delivers && m.Type != want {
			return bad("%s takes a %s message, not %s", s.Action, want, m.Type)
		}
		if m.To != s.Node {
			return bad("node %d is not the addressee %d of msg %d", s.Node, m.To, m.ID)
		}
		if m.ID < 1 {
			return bad("msg id %d: ids start at 1", m.ID)
		}
		if !v.part {
			if err := v.flight.Take(m.ID, m.Message, s.Action == EvDuplicate); err != nil {
				return err
			}
		}
	}
	for i := range s.Sent {
		m := &s.Sent[i]
		if v.part {
			if m.ID < 1 || v.sent[m.ID] {
				return bad("sent msg id %d: want a fresh id from 1 (this part sent it before)", m.ID)
			}
			v.sent[m.ID] = true
		} else if err := v.flight.Fresh(m.ID); err != nil {
			return err
		}
		if r := v.message(&m.Message); r != "" {
			return bad("sent msg %d: %s", m.ID, r)
		}
		if s.Action == EvDuplicate {
			if m.DupOf != s.Msg.ID || m.Message != s.Msg.Message {
				return bad("a Duplicate's copy %d must be msg %d's, with dup_of %d", m.ID, s.Msg.ID, s.Msg.ID)
			}
		} else {
			if m.DupOf != 0 {
				return bad("sent msg %d: dup_of belongs to Duplicate steps only", m.ID)
			}
			if m.From != s.Node {
				return bad("sent msg %d is from node %d, but the step is node %d's", m.ID, m.From, s.Node)
			}
		}
		if v.part {
			continue
		}
		if err := v.flight.Send(m.ID, m.Message); err != nil {
			return err
		}
	}
	return nil
}

// partFields checks the fields that only a part's steps carry (Cmd,
// Loaded, PersistDelta, GroupEnd) and what a part may hold: its own node's steps, and none of
// the network's (no node sees a loss or a copy; Merge adds the copies).
func (v *validator) partFields(s *Step, network bool) error {
	if !v.part {
		switch {
		case s.Cmd != nil:
			return fmt.Errorf("cmd belongs to a part's Invoke steps only (a whole trace names its op)")
		case s.Loaded != nil:
			return fmt.Errorf("loaded belongs to a part's Restart steps only")
		case s.PersistDelta:
			return fmt.Errorf("persist_delta belongs to a part's steps only")
		case s.GroupEnd:
			return fmt.Errorf("group_end belongs to a part's steps only")
		}
		return nil
	}
	if s.PersistDelta && s.Persist == nil {
		return fmt.Errorf("persist_delta without a persist")
	}
	switch {
	case s.Node != v.h.Part.Node:
		return fmt.Errorf("a step of node %d in node %d's part", s.Node, v.h.Part.Node)
	case network:
		return fmt.Errorf("%s is the network's: no node's part records it", s.Action)
	case s.Op != nil:
		return fmt.Errorf("a part's Invoke carries its cmd, not an op")
	case (s.Action == EvInvoke) != (s.Cmd != nil):
		return fmt.Errorf("cmd belongs to Invoke steps, and every Invoke of a part needs one")
	case (s.Action == EvRestart) != (s.Loaded != nil):
		return fmt.Errorf("loaded belongs to Restart steps, and every Restart of a part needs one")
	}
	if s.Cmd != nil {
		if !s.Cmd.Valid() || s.Cmd.Op == mp.OpNoop {
			return fmt.Errorf("an Invoke of %s, which is not a client's command", *s.Cmd)
		}
		v.invoked = append(v.invoked, *s.Cmd)
	}
	return nil
}
