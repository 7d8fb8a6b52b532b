package paxostrace

import (
	"fmt"
	"io"

	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/traces"
)

// MaxClients bounds Header.Clients: client sets are uint64 bitmasks in
// checker/paxos/world.
const MaxClients = 64

// consumes maps each delivery action to the message type it handles
// (FORMAT.md, "Actions"): the TLA+ action that receives a message of that
// type in spec/Paxos.tla.
var consumes = map[string]paxos.MsgType{
	EvPhase1b: paxos.Msg1a,
	EvPhase2a: paxos.Msg1b,
	EvPhase2b: paxos.Msg2a,
	EvLearn:   paxos.Msg2b,
	EvNack:    paxos.MsgNack,
	EvReturn:  paxos.MsgDecided,
}

// Actions lists every valid Step.Action, in FORMAT.md order.
var Actions = []string{EvPhase1a, EvPhase1b, EvPhase2a, EvPhase2b, EvLearn, EvNack, EvReturn,
	EvInvoke, EvCrash, EvRestart, EvDrop, EvDuplicate}

// Required JSON keys: a missing one is an error even when its zero value
// would decode (FORMAT.md marks them "required").
var (
	headerRequired = []string{"format", "version", "acceptors", "proposers", "learners", "clients", "time_unit"}
	stepRequired   = []string{"step", "action", "node", "time"}
)

// Format is single-decree Paxos's layer of the trace format
// (traces.Format).
var Format traces.Format[Header, Step] = format{}

type format struct{}

func (format) Protocol() (string, int)                    { return ProtocolName, ProtocolVersion }
func (format) Head(h *Header) (*traces.Head, *traces.Run) { return &h.Head, &h.Run }
func (format) HeaderKeys() []string                       { return headerRequired }
func (format) StepKeys() []string                         { return stepRequired }
func (format) StepOf(s *Step) (int, int64)                { return s.Step, s.Time }
func (format) NewChecker() traces.Checker[Header, Step]   { return &validator{} }

// Read reads and validates a whole trace (traces.Read, FORMAT.md).
func Read(r io.Reader) (Trace, error) { return traces.Read(Format, r) }

// ReadFile reads and validates the trace in file path; errors name the
// file.
func ReadFile(path string) (Trace, error) { return traces.ReadFile(Format, path) }

// Validate checks t as Read would check the same trace written to a file.
func Validate(t *Trace) error { return traces.Validate(Format, t) }

// Write validates t and writes it as JSON Lines.
func Write(w io.Writer, t Trace) error { return traces.Write(Format, w, t) }

// WriteFile writes t to path atomically.
func WriteFile(path string, t Trace) error { return traces.WriteFile(Format, path, t) }

// validator checks the Paxos fields of a trace line by line, keeping the
// messages in flight so that every consumed message id is known to have
// been sent and not yet consumed (after the envelope's checks).
type validator struct {
	h      Header
	cfg    paxos.Config
	flight traces.Flight[paxos.Message]
}

// Header checks the cluster and the clients of h.
func (v *validator) Header(h *Header) error {
	cfg, err := h.Config()
	if err != nil {
		return fmt.Errorf("bad config: %w", err)
	}
	if len(h.Clients) > MaxClients {
		return fmt.Errorf("%d clients, at most %d", len(h.Clients), MaxClients)
	}
	for i, c := range h.Clients {
		switch r, _, ok := cfg.RoleOf(c.Proposer); {
		case int(c.ID) != i:
			return fmt.Errorf("client %d has id %d, want ids 0..n-1 in order", i, c.ID)
		case !ok || r != paxos.RoleProposer:
			return fmt.Errorf("client %d sends to node %d, which is not a proposer", i, c.Proposer)
		case c.Value == paxos.None:
			return fmt.Errorf("client %d proposes the empty value", i)
		}
	}
	v.h, v.cfg = *h, cfg
	return nil
}

// message checks the contents of m (not its id).
func (v *validator) message(m *paxos.Message) string {
	if m.Type < paxos.Msg1a || m.Type > paxos.MsgDecided {
		return fmt.Sprintf("unknown message type %d", uint8(m.Type))
	}
	if _, _, ok := v.cfg.RoleOf(m.From); !ok {
		return fmt.Sprintf("%s from node %d, which is not in the configuration", m.Type, m.From)
	}
	if _, _, ok := v.cfg.RoleOf(m.To); !ok {
		return fmt.Sprintf("%s to node %d, which is not in the configuration", m.Type, m.To)
	}
	for _, b := range []paxos.Ballot{m.Bal, m.VBal} {
		if !b.IsZero() && int(b.Proposer) >= len(v.cfg.Proposers) {
			return fmt.Sprintf("bad ballot %s: proposer index %d, but there are %d proposers", b, b.Proposer, len(v.cfg.Proposers))
		}
	}
	switch m.Type {
	case paxos.Msg1a, paxos.Msg1b, paxos.Msg2a, paxos.Msg2b, paxos.MsgNack:
		if m.Bal.IsZero() {
			return fmt.Sprintf("bad ballot: a %s message needs bal", m.Type)
		}
	}
	switch m.Type {
	case paxos.Msg2a, paxos.Msg2b, paxos.MsgDecided:
		if m.Val == paxos.None {
			return fmt.Sprintf("a %s message needs val", m.Type)
		}
	}
	return ""
}

// Step checks s, after the envelope's checks of its number and time.
func (v *validator) Step(s *Step) error {
	bad := func(format string, args ...any) error { return fmt.Errorf(format, args...) }
	want, delivers := consumes[s.Action]
	known := delivers
	for _, a := range Actions {
		known = known || a == s.Action
	}
	if !known {
		return bad("unknown action %q", s.Action)
	}
	role, _, ok := v.cfg.RoleOf(s.Node)
	if !ok {
		return bad("node %d is not in the configuration", s.Node)
	}

	// What each action needs and forbids (FORMAT.md, "Actions").
	needsMsg := delivers || s.Action == EvDrop || s.Action == EvDuplicate
	if needsMsg && s.Msg == nil {
		return bad("%s needs a msg", s.Action)
	}
	if s.Msg != nil && !needsMsg && s.Action != EvCrash {
		return bad("%s takes no msg", s.Action)
	}
	switch s.Action {
	case EvPhase1a:
		if role != paxos.RoleProposer {
			return bad("Phase1a at node %d, which is a %s, not a proposer", s.Node, role)
		}
	case EvInvoke:
		if s.Client == nil {
			return bad("Invoke needs a client")
		}
		c := int(*s.Client)
		if c >= len(v.h.Clients) {
			return bad("client %d is out of range: the header has %d clients", c, len(v.h.Clients))
		}
		if hc := v.h.Clients[c]; hc.Proposer != s.Node || hc.Value != s.Value {
			return bad("Invoke of client %d at node %d with value %q, but the header says node %d, value %q",
				c, s.Node, s.Value, hc.Proposer, hc.Value)
		}
	case EvDrop, EvDuplicate, EvCrash, EvRestart:
		if s.Learned != paxos.None || len(s.Replies) > 0 {
			return bad("%s learns nothing and answers no client", s.Action)
		}
		if s.Timer != paxos.TimerKeep && (s.Action == EvDrop || s.Action == EvDuplicate) {
			return bad("%s is the network's: it arms or cancels no timer", s.Action)
		}
	}
	if s.Action != EvInvoke && (s.Client != nil || s.Value != paxos.None) {
		return bad("client and value belong to Invoke steps only")
	}
	if s.Learned != paxos.None && s.Action != EvLearn {
		return bad("learned belongs to Learn steps only")
	}
	if s.Persist != nil && (s.Action == EvDrop || s.Action == EvDuplicate) {
		return bad("%s is the network's: it persists nothing", s.Action)
	}
	for _, r := range s.Replies {
		if int(r.Client) >= len(v.h.Clients) {
			return bad("reply to client %d, which is out of range: the header has %d clients", r.Client, len(v.h.Clients))
		}
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

	// The consumed message.
	if m := s.Msg; m != nil {
		if r := v.message(&m.Message); r != "" {
			return bad("msg %d: %s", m.ID, r)
		}
		if m.DupOf != 0 {
			return bad("msg %d: dup_of belongs to sent copies only", m.ID)
		}
		if delivers && m.Type != want {
			return bad("%s handles a %s message, not %s", s.Action, want, m.Type)
		}
		if m.To != s.Node {
			return bad("node %d is not the addressee %d of msg %d", s.Node, m.To, m.ID)
		}
		if err := v.flight.Take(m.ID, m.Message, s.Action == EvDuplicate); err != nil {
			return err
		}
	}

	// The messages sent.
	for i := range s.Sent {
		m := &s.Sent[i]
		if err := v.flight.Fresh(m.ID); err != nil {
			return err
		}
		if r := v.message(&m.Message); r != "" {
			return bad("sent msg %d: %s", m.ID, r)
		}
		if s.Action == EvDuplicate {
			if m.DupOf != s.Msg.ID {
				return bad("dup_of %d is not in flight: a Duplicate copies its msg %d", m.DupOf, s.Msg.ID)
			}
			if m.Message != s.Msg.Message {
				return bad("copy %d differs from the original %d", m.ID, s.Msg.ID)
			}
		} else {
			if m.DupOf != 0 {
				return bad("sent msg %d: dup_of belongs to Duplicate steps only", m.ID)
			}
			if m.From != s.Node {
				return bad("sent msg %d is from node %d, but the step is node %d's", m.ID, m.From, s.Node)
			}
		}
		if err := v.flight.Send(m.ID, m.Message); err != nil {
			return err
		}
	}
	return nil
}
