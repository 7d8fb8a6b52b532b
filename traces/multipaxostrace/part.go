package multipaxostrace

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"

	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
	"github.com/paxoscheck/paxoscheck/traces"
)

// partFormat is the layer of a node's part: Format's lines, checked as
// one node's own record (validator.part).
type partFormat struct{ format }

func (partFormat) NewChecker() traces.Checker[Header, Step] { return &validator{part: true} }

// Part is one node's part of a cluster's trace, as a paxosd writes it
// (Header.Part says whose).
type Part = Trace

// ReadPartFile reads node part path. A part is appended to a step at a
// time, each line in one write, so a node killed with kill -9 leaves
// whole lines only; a last line cut short nonetheless (a full disk, a
// power loss) is dropped and reported by cut, and everything before it
// is read. Anything else that Read would reject is an error.
func ReadPartFile(path string) (p Part, cut bool, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return p, false, err
	}
	if i := bytes.LastIndexByte(b, '\n'); i < len(b)-1 {
		b, cut = b[:i+1], true
	}
	p, err = traces.Read(partFormat{}, bytes.NewReader(b))
	var pe *traces.ParseError
	if errors.As(err, &pe) {
		pe.File = path
	}
	return p, cut, err
}

// ValidatePart checks p as ReadPartFile would.
func ValidatePart(p *Part) error { return traces.Validate(partFormat{}, p) }

// MergeReport says what Merge did beyond concatenating: the copies it
// added for messages delivered more than once, the crashes it added
// before restarts, and the messages sent that no part consumed.
type MergeReport struct {
	Parts      int
	Duplicates int // Duplicate steps added: a message consumed k times needs k-1
	Crashes    int // Crash steps added: a restart after a kill -9, which no part records
	InFlight   int // messages sent and never consumed (lost, or still in flight at the end)
	Clamped    int // steps whose time was raised to the step before's, see Merge
	// Order is the order Merge used: "time", or "lamport" where real
	// time was not causal.
	Order string
}

// ErrMerge is wrapped by every error of Merge: parts that do not make
// one cluster's trace.
var ErrMerge = errors.New("parts do not merge into one trace")

// ErrTooManyOps is wrapped (with ErrMerge) when the parts hold more
// operations than a trace can (MaxOps): a limit of the format, not a
// fault of the parts.
var ErrTooManyOps = errors.New("too many operations for one trace")

// Merge makes one trace of a cluster's parts, one per node:
//
//   - Steps are ordered by real time (Time, then Lamport, then Node)
//     when that order is causal: every message sent before it is
//     consumed. Nodes on one machine share CLOCK_MONOTONIC, and a step's
//     time is read before it sends, so it is; and in real time a
//     client's history shows what Porcupine must see (a read is stale
//     only against a write that completed before it in real time). Else
//     (the clocks of several machines) they are ordered by (Lamport,
//     Node): every step's clock is above its node's previous step's and
//     above the clock of the message it consumed, so that order is
//     causal too.
//   - Message ids are renumbered 1, 2, ... in the order they are sent.
//     A message consumed more than once (a duplicating network) gets a
//     Duplicate step for each further copy, just before its first
//     consumption, while the original is still in flight.
//   - A Restart of a node whose part does not end its previous life
//     with a Crash (kill -9 writes nothing) gets a Crash step just
//     before it; the Restart's Loaded state must be the last state the
//     node's part persisted, or the part is not a whole record of what
//     reached the disk (an error).
//   - Operations become the header's Ops, in the order of their Invoke,
//     at the proposer that took them; a command invoked twice is an
//     error (the trace format has one Invoke per operation), and so are
//     more than MaxOps.
//   - Times are the parts' monotonic nanoseconds. In the Lamport order
//     two concurrent steps may come against real time; a step whose
//     time is below the step before's is then raised to it (counted in
//     Clamped), so that time never decreases in the merged trace.
//
// Every part must describe the same cluster. The result is validated as
// a whole trace.
func Merge(parts []Part, source string) (Trace, MergeReport, error) {
	rep := MergeReport{Parts: len(parts)}
	fail := func(format string, args ...any) (Trace, MergeReport, error) {
		return Trace{}, rep, fmt.Errorf("%w: %s", ErrMerge, fmt.Sprintf(format, args...))
	}
	if len(parts) == 0 {
		return fail("no parts")
	}
	h0 := parts[0].Header
	var order []at
	seen := map[mp.NodeID]bool{}
	for i := range parts {
		h := &parts[i].Header
		if h.Part == nil {
			return fail("part %d is a whole trace, not a node's part", i+1)
		}
		if seen[h.Part.Node] {
			return fail("two parts of node %d", h.Part.Node)
		}
		seen[h.Part.Node] = true
		if !slices.Equal(h.Acceptors, h0.Acceptors) || !slices.Equal(h.Proposers, h0.Proposers) ||
			h.Pipeline != h0.Pipeline || !slices.Equal(h.Bugs, h0.Bugs) || h.TimeUnit != h0.TimeUnit {
			return fail("node %d's part describes another cluster than node %d's", h.Part.Node, h0.Part.Node)
		}
		var last uint64
		for j := range parts[i].Steps {
			s := &parts[i].Steps[j]
			if s.Lamport <= last {
				return fail("node %d's step %d has Lamport clock %d, not above its step before's %d", h.Part.Node, s.Step, s.Lamport, last)
			}
			last = s.Lamport
			order = append(order, at{i, j})
		}
	}
	step := func(a at) *Step { return &parts[a.part].Steps[a.step] }
	// Real time first: on one machine it is causal too, and a client's
	// history in it is the one Porcupine must see (a stale read is
	// only stale in real time). Where it is not causal (clocks of
	// several machines), the Lamport order is.
	byTime := slices.Clone(order)
	slices.SortFunc(byTime, func(a, b at) int {
		x, y := step(a), step(b)
		return cmp.Or(cmp.Compare(x.Time, y.Time), cmp.Compare(x.Lamport, y.Lamport), cmp.Compare(x.Node, y.Node))
	})
	t, r, err := mergeIn(parts, byTime, step, h0, source, rep)
	if err == nil {
		r.Order = "time"
		return t, r, nil
	}
	if !errors.Is(err, errNotCausal) {
		return t, r, err
	}
	slices.SortFunc(order, func(a, b at) int {
		x, y := step(a), step(b)
		return cmp.Or(cmp.Compare(x.Lamport, y.Lamport), cmp.Compare(x.Node, y.Node))
	})
	t, r, err = mergeIn(parts, order, step, h0, source, rep)
	r.Order = "lamport"
	return t, r, err
}

// errNotCausal marks an order in which a message is consumed before it
// is sent: not an order Merge may use.
var errNotCausal = errors.New("a message consumed before it is sent")

type at struct{ part, step int }

// mergeIn merges the parts' steps in order.
func mergeIn(parts []Part, order []at, step func(at) *Step, h0 Header, source string, rep MergeReport) (Trace, MergeReport, error) {
	fail := func(format string, args ...any) (Trace, MergeReport, error) {
		return Trace{}, rep, fmt.Errorf("%w: %s", ErrMerge, fmt.Sprintf(format, args...))
	}

	// How often each message is consumed, to add its copies.
	consumed := map[int]int{}
	sentAnywhere := map[int]bool{}
	for _, a := range order {
		if m := step(a).Msg; m != nil {
			consumed[m.ID]++
		}
		for _, m := range step(a).Sent {
			sentAnywhere[m.ID] = true
		}
	}
	h := h0
	h.Part, h.Ops, h.Run = nil, nil, traces.Run{Source: source, TimeUnit: h0.TimeUnit}
	var out []Step
	ids := map[int]int{}      // a part's message id -> the trace's id of the copy to consume next
	copies := map[int][]int{} // a part's id -> the trace ids of its further copies, in order
	made := map[int]bool{}    // the copies of a part's id were added
	sentMsg := map[int]mp.Message{}
	next := 0
	fresh := func() int { next++; return next }
	ops := map[[2]uint32]int{}
	persisted := map[mp.NodeID]mp.Durable{}
	down := map[mp.NodeID]bool{}
	last := int64(math.MinInt64)
	emit := func(s Step) {
		s.Step = len(out) + 1
		if s.Time < last {
			s.Time = last
			rep.Clamped++
		}
		last = s.Time
		out = append(out, s)
	}
	for _, a := range order {
		s := *step(a)
		if m := s.Msg; m != nil {
			id, ok := ids[m.ID]
			if !ok && sentAnywhere[m.ID] {
				return Trace{}, rep, fmt.Errorf("%w: %w: node %d's step %d consumes message %d before it is sent", ErrMerge, errNotCausal, s.Node, s.Step, m.ID)
			}
			if !ok {
				return fail("node %d's step %d consumes message %d, which no part sent (a sender's part is missing or cut short)", s.Node, s.Step, m.ID)
			}
			if sentMsg[m.ID] != m.Message {
				return fail("node %d's step %d consumes message %d as %s, but it was sent as %s", s.Node, s.Step, m.ID, m.Message, sentMsg[m.ID])
			}
			if id < 0 {
				return fail("node %d's step %d consumes message %d once more than it was sent and copied", s.Node, s.Step, m.ID)
			}
			if n := consumed[m.ID]; n > 1 && !made[m.ID] {
				made[m.ID] = true
				for range n - 1 {
					c := fresh()
					copies[m.ID] = append(copies[m.ID], c)
					emit(Step{Action: EvDuplicate, Node: m.To, Msg: &Msg{ID: id, Message: m.Message},
						Sent: []Msg{{ID: c, Message: m.Message, DupOf: id}}, Lamport: s.Lamport, Time: s.Time})
					rep.Duplicates++
				}
			}
			s.Msg = &Msg{ID: id, Message: m.Message}
			if cs := copies[m.ID]; len(cs) > 0 {
				ids[m.ID], copies[m.ID] = cs[0], cs[1:]
			} else {
				ids[m.ID] = -1 // consumed, no copy left
			}
		}
		var sent []Msg
		for _, m := range s.Sent {
			if _, dup := ids[m.ID]; dup {
				return fail("message id %d is sent twice (node %d's step %d)", m.ID, s.Node, s.Step)
			}
			ids[m.ID] = fresh()
			sentMsg[m.ID] = m.Message
			sent = append(sent, Msg{ID: ids[m.ID], Message: m.Message})
		}
		s.Sent = sent
		switch s.Action {
		case EvInvoke:
			k := [2]uint32{uint32(s.Cmd.Client), s.Cmd.Seq}
			if _, dup := ops[k]; dup {
				return fail("command %d of client %d is invoked twice (node %d's step %d): a trace has one Invoke per operation", s.Cmd.Seq, s.Cmd.Client, s.Node, s.Step)
			}
			if len(h.Ops) == MaxOps {
				return Trace{}, rep, fmt.Errorf("%w: %w: more than %d (a trace holds at most %d)", ErrMerge, ErrTooManyOps, MaxOps, MaxOps)
			}
			op := len(h.Ops)
			ops[k] = op
			h.Ops = append(h.Ops, Op{ID: op, Proposer: s.Node, Cmd: *s.Cmd})
			s.Cmd, s.Op = nil, &op
		case EvCrash:
			down[s.Node] = true
		case EvRestart:
			if want := persisted[s.Node]; !s.Loaded.Equal(want) {
				return fail("node %d restarted (its step %d) from a state its part never persisted: %+v, but its last persist was %+v (a state file from elsewhere, or a part edited?)", s.Node, s.Step, *s.Loaded, want)
			}
			if !down[s.Node] {
				emit(Step{Action: EvCrash, Node: s.Node, Lamport: s.Lamport, Time: s.Time})
				rep.Crashes++
			}
			down[s.Node] = false
			s.Loaded = nil
		}
		s.GroupEnd = false
		if s.Persist != nil {
			if s.PersistDelta {
				full := mp.ApplyDelta(persisted[s.Node], *s.Persist)
				s.Persist, s.PersistDelta = &full, false
			}
			persisted[s.Node] = *s.Persist
		}
		emit(s)
	}
	for _, n := range ids {
		if n > 0 {
			rep.InFlight++
		}
	}
	t := Trace{Header: h, Steps: out}
	if t.Header.Ops == nil {
		t.Header.Ops = []Op{}
	}
	if err := Validate(&t); err != nil {
		return fail("the merged trace is malformed: %v", err)
	}
	return t, rep, nil
}
