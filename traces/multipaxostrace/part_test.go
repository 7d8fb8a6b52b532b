package multipaxostrace

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
	"github.com/paxoscheck/paxoscheck/traces"
	"pgregory.net/rapid"
)

// split cuts a whole trace into the parts its nodes would have written:
// each node's own steps, with Lamport clocks that follow the trace's
// order, commands in place of op ids, the state a Restart loaded, and
// the network's steps (Drop, Duplicate) left out, as no node sees them.
func split(t *testing.T, tr *Trace) []Part { return splitParts(t, tr, false) }

// splitParts is split, with every persist of a state that lost no vote
// written as a delta when delta is set, as a paxosd writes it.
func splitParts(t *testing.T, tr *Trace, delta bool) []Part {
	t.Helper()
	byNode := map[mp.NodeID]*Part{}
	var order []mp.NodeID
	persisted := map[mp.NodeID]mp.Durable{}
	copyOf := map[int]int{} // a Duplicate's copy -> the original's id, the one id a part knows
	for _, s := range tr.Steps {
		switch s.Action {
		case EvDrop:
			continue
		case EvDuplicate:
			copyOf[s.Sent[0].ID] = s.Msg.ID
			continue
		}
		if s.Msg != nil {
			if orig, ok := copyOf[s.Msg.ID]; ok {
				m := *s.Msg
				m.ID = orig
				s.Msg = &m
			}
		}
		p, ok := byNode[s.Node]
		if !ok {
			h := tr.Header
			h.Ops, h.Part, h.Run = []Op{}, &PartOf{Node: s.Node}, traces.Run{Source: "test", TimeUnit: tr.Header.TimeUnit}
			p = &Part{Header: h}
			byNode[s.Node] = p
			order = append(order, s.Node)
		}
		s.Lamport = uint64(s.Step)
		if s.Op != nil {
			c := tr.Header.Ops[*s.Op].Cmd
			s.Cmd, s.Op = &c, nil
		}
		if s.Action == EvRestart {
			d := persisted[s.Node]
			s.Loaded = &d
		}
		if s.Persist != nil {
			full := *s.Persist
			if d, ok := mp.Delta(persisted[s.Node], full); ok && delta {
				s.Persist, s.PersistDelta = &d, true
			}
			persisted[s.Node] = full
		}
		s.Step = len(p.Steps) + 1
		s.GroupEnd = true // a group of one step, as a node alone writes it
		p.Steps = append(p.Steps, s)
	}
	var parts []Part
	for _, n := range order {
		if err := ValidatePart(byNode[n]); err != nil {
			t.Fatalf("split made a bad part: %v", err)
		}
		parts = append(parts, *byNode[n])
	}
	return parts
}

func readCounterexample(t *testing.T, name string) Trace {
	t.Helper()
	tr, err := ReadFile(filepath.Join("..", "counterexamples", "multipaxos", name+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	tr.Header.Violation = nil
	return tr
}

// TestMergeUndoesSplit: the parts of a trace merge back into it, step
// for step, ids and operations included.
func TestMergeUndoesSplit(t *testing.T) {
	for _, name := range []string{"skip-phase1", "stale-read", "no-dedup", "per-slot-promise", "no-hole-fill", "apply-before-chosen"} {
		t.Run(name, func(t *testing.T) { mergeUndoesSplit(t, name, false) })
		t.Run(name+" with deltas", func(t *testing.T) { mergeUndoesSplit(t, name, true) })
	}
}

func mergeUndoesSplit(t *testing.T, name string, delta bool) {
	t.Helper()
	tr := readCounterexample(t, name)
	parts := splitParts(t, &tr, delta)
	slices.Reverse(parts) // the order of the files does not matter
	got, rep, err := Merge(parts, tr.Header.Source)
	if err != nil {
		t.Fatal(err)
	}
	// A merged trace's operations are those some node took, in
	// the order of their Invoke.
	var ops []Op
	for i, st := range tr.Steps {
		if st.Op != nil {
			op := tr.Header.Ops[*st.Op]
			op.ID = len(ops)
			ops = append(ops, op)
			k := op.ID
			tr.Steps[i].Op = &k
		}
	}
	tr.Header.Ops = ops
	for i := range got.Steps {
		got.Steps[i].Lamport = 0
	}
	if d := cmp.Diff(tr, got); d != "" {
		t.Errorf("merge(split(trace)) differs (-want +got):\n%s", d)
	}
	if rep.Duplicates != 0 || rep.Crashes != 0 || rep.Clamped != 0 {
		t.Errorf("report %+v: want nothing added", rep)
	}
}

// TestMergeAddsCrash: a node killed with kill -9 records no Crash; Merge
// puts one just before its Restart.
func TestMergeAddsCrash(t *testing.T) {
	tr := readCounterexample(t, "skip-phase1")
	parts := split(t, &tr)
	const node = 0
	p := &parts[slices.IndexFunc(parts, func(p Part) bool { return p.Header.Part.Node == node })]
	var last mp.Durable
	for _, s := range p.Steps {
		if s.Persist != nil {
			last = *s.Persist
		}
	}
	n := len(p.Steps)
	p.Steps = append(p.Steps, Step{Step: n + 1, Action: EvRestart, Node: node, Loaded: &last, Lamport: p.Steps[n-1].Lamport + 1, Time: p.Steps[n-1].Time})
	got, rep, err := Merge(parts, "test")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Crashes != 1 {
		t.Fatalf("report %+v: want 1 crash added", rep)
	}
	i := slices.IndexFunc(got.Steps, func(s Step) bool { return s.Action == EvRestart })
	if i < 1 || got.Steps[i-1].Action != EvCrash || got.Steps[i-1].Node != node {
		t.Fatalf("the restart at step %d does not follow a crash of node %d", i+1, node)
	}
}

// TestMergeAddsDuplicate: a message consumed twice (a duplicating
// network) gets a Duplicate step before its first consumption.
func TestMergeAddsDuplicate(t *testing.T) {
	t.Run("a counterexample's", func(t *testing.T) {
		tr := readCounterexample(t, "adopt-lowest-vote")
		got, rep, err := Merge(split(t, &tr), "test")
		if err != nil {
			t.Fatal(err)
		}
		count := func(tr *Trace, action string) int {
			return len(slices.DeleteFunc(slices.Clone(tr.Steps), func(s Step) bool { return s.Action != action }))
		}
		if rep.Duplicates != 2 || count(&got, EvDuplicate) != 2 || len(got.Steps) != len(tr.Steps) {
			t.Fatalf("report %+v, %d steps: want 2 copies added and the trace's %d steps", rep, len(got.Steps), len(tr.Steps))
		}
	})

	tr := readCounterexample(t, "skip-phase1")
	parts := split(t, &tr)
	// Acceptor 0 takes its first 2a twice: the second time it votes again.
	p := &parts[slices.IndexFunc(parts, func(p Part) bool { return p.Header.Part.Node == 0 })]
	j := slices.IndexFunc(p.Steps, func(s Step) bool { return s.Action == EvPhase2b })
	again := p.Steps[j]
	again.Sent = slices.Clone(again.Sent)
	for k := range again.Sent {
		again.Sent[k].ID += 1000
	}
	again.Lamport = p.Steps[len(p.Steps)-1].Lamport + 1
	again.Step = len(p.Steps) + 1
	p.Steps = append(p.Steps, again)
	got, rep, err := Merge(parts, "test")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Duplicates != 1 {
		t.Fatalf("report %+v: want 1 copy added", rep)
	}
	d := slices.IndexFunc(got.Steps, func(s Step) bool { return s.Action == EvDuplicate })
	if d < 0 || got.Steps[d+1].Action != EvPhase2b || got.Steps[d+1].Msg.ID != got.Steps[d].Msg.ID {
		t.Fatalf("no Duplicate right before the first Phase2b of the copied message:\n%+v", got.Steps[d])
	}
}

// TestMergeOrder: real time where it is causal, else Lamport clocks.
func TestMergeOrder(t *testing.T) {
	tr := readCounterexample(t, "skip-phase1")
	t.Run("real time", func(t *testing.T) {
		parts := split(t, &tr)
		_, rep, err := Merge(parts, "test")
		if err != nil || rep.Order != "time" || rep.Clamped != 0 {
			t.Fatalf("%+v %v: want the time order, nothing clamped", rep, err)
		}
	})
	t.Run("a clock behind", func(t *testing.T) {
		parts := split(t, &tr)
		for i := range parts {
			if parts[i].Header.Part.Node == 0 {
				for j := range parts[i].Steps {
					parts[i].Steps[j].Time = 0 // node 0's clock: before every send it consumes
				}
			}
		}
		got, rep, err := Merge(parts, "test")
		if err != nil || rep.Order != "lamport" || rep.Clamped == 0 {
			t.Fatalf("%+v %v: want the Lamport order, with times clamped", rep, err)
		}
		for i := range got.Steps {
			if got.Steps[i].Lamport != tr.Steps[i].Lamport && got.Steps[i].Lamport != uint64(tr.Steps[i].Step) {
				t.Fatalf("step %d has clock %d: not the trace's order", i+1, got.Steps[i].Lamport)
			}
		}
	})
}

// TestMergeRefuses: parts that are not one cluster's whole record.
func TestMergeRefuses(t *testing.T) {
	base := readCounterexample(t, "skip-phase1")
	for _, c := range []struct {
		name, want string
		edit       func(ps []Part) []Part
	}{
		{"no parts", "no parts", func([]Part) []Part { return nil }},
		{"a sender's part missing", "which no part sent", func(ps []Part) []Part {
			return slices.DeleteFunc(ps, func(p Part) bool { return p.Header.Part.Node == 3 })
		}},
		{"two parts of a node", "two parts of node", func(ps []Part) []Part { return append(ps, ps[0]) }},
		{"another cluster", "another cluster", func(ps []Part) []Part { ps[1].Header.Pipeline = 7; return ps }},
		{"a clock that goes back", "not above its step before's", func(ps []Part) []Part {
			ps[0].Steps[1].Lamport = ps[0].Steps[0].Lamport
			return ps
		}},
		{"contents changed in flight", "but it was sent as", func(ps []Part) []Part {
			for i := range ps {
				for j := range ps[i].Steps {
					if m := ps[i].Steps[j].Msg; m != nil {
						c := *m
						c.Slot += 9
						ps[i].Steps[j].Msg = &c
						return ps
					}
				}
			}
			return ps
		}},
		{"a restart from an unrecorded state", "never persisted", func(ps []Part) []Part {
			for i := range ps {
				if ps[i].Header.Part.Node == 0 {
					n := len(ps[i].Steps)
					ps[i].Steps = append(ps[i].Steps,
						Step{Step: n + 1, Action: EvCrash, Node: 0, Lamport: 1000, Time: 1000},
						Step{Step: n + 2, Action: EvRestart, Node: 0, Loaded: &mp.Durable{Round: 5}, Lamport: 1001, Time: 1001})
				}
			}
			return ps
		}},
		{"a whole trace", "a whole trace", func(ps []Part) []Part { ps[0].Header.Part = nil; return ps }},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := base
			_, _, err := Merge(c.edit(split(t, &tr)), "test")
			if !errors.Is(err, ErrMerge) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an ErrMerge saying %q", err, c.want)
			}
		})
	}
}

// TestPartChecks: what a part may hold, and a whole trace may not.
func TestPartChecks(t *testing.T) {
	tr := readCounterexample(t, "skip-phase1")
	parts := split(t, &tr)
	if err := Validate(&parts[0]); err == nil || !strings.Contains(err.Error(), "merge the parts first") {
		t.Errorf("a part read as a whole trace: got %v", err)
	}
	if err := ValidatePart(&tr); err == nil || !strings.Contains(err.Error(), "has no \"part\"") {
		t.Errorf("a whole trace read as a part: got %v", err)
	}
	p := parts[slices.IndexFunc(parts, func(p Part) bool { return p.Header.Part.Node == 3 })]
	p.Steps = slices.Clone(p.Steps)
	p.Steps[0].Cmd = nil
	if err := ValidatePart(&p); err == nil || !strings.Contains(err.Error(), "every Invoke of a part needs one") {
		t.Errorf("an Invoke without its command: got %v", err)
	}
	whole := tr
	whole.Steps = slices.Clone(tr.Steps)
	whole.Steps[0].GroupEnd = true
	if err := Validate(&whole); err == nil || !strings.Contains(err.Error(), "group_end belongs to a part's steps only") {
		t.Errorf("a group's end in a whole trace: got %v", err)
	}
}

// TestDelta: a delta applied to the state it was taken against gives the
// new state back; a state that lost a vote has no delta.
func TestDelta(t *testing.T) {
	genLog := rapid.Custom(func(t *rapid.T) mp.Durable {
		slots := rapid.SliceOfNDistinct(rapid.Uint32Range(1, 12), 0, 8, rapid.ID[uint32]).Draw(t, "slots")
		slices.Sort(slots)
		d := mp.Durable{MaxBal: mp.Ballot{Round: rapid.Uint32Range(0, 3).Draw(t, "round")}}
		for _, s := range slots {
			d.Votes = append(d.Votes, mp.SlotVote{Slot: mp.Slot(s), Vote: mp.Vote{Bal: mp.Ballot{Round: rapid.Uint32Range(1, 3).Draw(t, "bal")},
				Cmd: mp.Command{Op: mp.OpPut, Seq: 1, Key: "k", Val: rapid.SampledFrom([]string{"a", "b"}).Draw(t, "val")}}})
		}
		return d
	})
	rapid.Check(t, func(t *rapid.T) {
		prev, next := genLog.Draw(t, "prev"), genLog.Draw(t, "next")
		d, ok := mp.Delta(prev, next)
		lost := slices.ContainsFunc(prev.Votes, func(v mp.SlotVote) bool {
			return !slices.ContainsFunc(next.Votes, func(w mp.SlotVote) bool { return w.Slot == v.Slot })
		})
		if ok == lost {
			t.Fatalf("Delta ok = %v, but a vote was lost: %v", ok, lost)
		}
		if ok && !mp.ApplyDelta(prev, d).Equal(next) {
			t.Fatalf("mp.ApplyDelta(prev, mp.Delta(prev, next)) = %+v, want %+v", mp.ApplyDelta(prev, d), next)
		}
		if ok && len(d.Votes) > len(next.Votes) {
			t.Fatalf("a delta of %d votes for a state of %d", len(d.Votes), len(next.Votes))
		}
	})
}

// TestMergeTooManyOps: more operations than a trace holds is its own
// error, so that a cluster run can tell a limit from a fault.
func TestMergeTooManyOps(t *testing.T) {
	h := Header{Head: NewHead(), Acceptors: NodeIDs{0}, Proposers: NodeIDs{1}, Pipeline: 1, Ops: []Op{}, Part: &PartOf{Node: 1},
		Run: traces.Run{TimeUnit: traces.TimeNanos}}
	p := Part{Header: h}
	for i := range MaxOps + 1 {
		c := mp.Command{Op: mp.OpGet, Client: mp.ClientID(i % 200), Seq: uint32(1 + i/200), Key: "k"}
		p.Steps = append(p.Steps, Step{Step: i + 1, Action: EvInvoke, Node: 1, Cmd: &c, Lamport: uint64(i + 1), Time: int64(i)})
	}
	_, _, err := Merge([]Part{p}, "test")
	if !errors.Is(err, ErrTooManyOps) || !errors.Is(err, ErrMerge) {
		t.Fatalf("got %v, want ErrTooManyOps", err)
	}
}
