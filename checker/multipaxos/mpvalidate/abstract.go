package mpvalidate

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpinvariant"
	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpworld"
	"github.com/paxoscheck/paxoscheck/checker/tlc"
	"github.com/paxoscheck/paxoscheck/impl/ballot"
	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
)

// Abs is a state of spec/MultiPaxos.tla's variables, read off a state of
// the code (FromWorld) or off a state TLC printed (FromTLC): the
// abstraction function of the conformance check and of Drive. Acceptors
// and replicas are by index (the code's order; TLC's model values sorted
// by name), ballots are spec ballots (-1: none), commands are named as
// the spec's models name them: c1, c2, ... for the operations in the
// setup's order, Noop, None.
type Abs struct {
	MaxBal   []int
	Vote     [][]AVote // per acceptor, per slot 1..MaxSlot
	Msgs     []AMsg
	Proposed []string
	Next     []int
	Applied  [][]string
}

// AVote is a vote: a spec ballot and a command; NoVote is {-1, None}. In
// a 1b read off the code, Any stands for a slot below the first the 1b
// reports (the code's 1b reports its sender's votes only from the first
// slot its leader does not know chosen; the spec's, in every slot).
type AVote struct {
	Bal int
	Cmd string
}

// NoVote and Any are the votes of no ballot and of any ballot.
var (
	NoVote = AVote{Bal: -1, Cmd: "None"}
	Any    = AVote{Bal: -2, Cmd: "*"}
)

func (v AVote) String() string {
	if v == Any {
		return "*"
	}
	return strconv.Itoa(v.Bal) + ":" + v.Cmd
}

// AMsg is a message of the spec's msgs: Acc is -1 for the 1a and 2a
// (which have no sender in the spec), Slot 0 for the 1a and 1b; Votes
// are a 1b's, slot by slot.
type AMsg struct {
	Type  string
	Acc   int
	Bal   int
	Slot  int
	Cmd   string
	Votes []AVote
}

// write writes m with acceptors renamed by perm (perm[i] is acceptor i's
// new index), without a 1b's votes when coarse.
func (m *AMsg) write(b *strings.Builder, perm []int, coarse bool) {
	b.WriteString(m.Type)
	if m.Acc >= 0 {
		fmt.Fprintf(b, " a%d", perm[m.Acc])
	}
	fmt.Fprintf(b, " b%d", m.Bal)
	if m.Slot > 0 {
		fmt.Fprintf(b, " s%d %s", m.Slot, m.Cmd)
	}
	if m.Type == "1b" && !coarse {
		b.WriteString(" <")
		for i, v := range m.Votes {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(v.String())
		}
		b.WriteByte('>')
	}
}

// key writes a canonically, with acceptors renamed by perm: a set of
// abstract states is a set of keys. The messages are sorted (msgs is a
// set); coarse leaves the 1b's votes out.
func (a *Abs) key(perm []int, coarse bool) string {
	var b strings.Builder
	inv := make([]int, len(perm))
	for i, p := range perm {
		inv[p] = i
	}
	for j, i := range inv {
		fmt.Fprintf(&b, "a%d:%d<", j, a.MaxBal[i])
		for k, v := range a.Vote[i] {
			if k > 0 {
				b.WriteByte(',')
			}
			b.WriteString(v.String())
		}
		b.WriteString("> ")
	}
	msgs := make([]string, len(a.Msgs))
	for i := range a.Msgs {
		var mb strings.Builder
		a.Msgs[i].write(&mb, perm, coarse)
		msgs[i] = mb.String()
	}
	slices.Sort(msgs)
	msgs = slices.Compact(msgs)
	b.WriteString("msgs{" + strings.Join(msgs, "; ") + "} proposed{" + strings.Join(a.Proposed, ",") + "}")
	for r := range a.Next {
		fmt.Fprintf(&b, " r%d:%d<%s>", r, a.Next[r], strings.Join(a.Applied[r], ","))
	}
	return b.String()
}

// Key is a's key under no renaming.
func (a *Abs) Key() string { return a.key(identity(len(a.MaxBal)), false) }

func identity(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	return p
}

// permutations are every permutation of 0..n-1.
func permutations(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for at := 0; at <= len(p); at++ {
			q := append(append(append([]int{}, p[:at]...), n-1), p[at:]...)
			out = append(out, q)
		}
	}
	return out
}

// hasAny reports whether a 1b of a has a slot it does not report.
func (a *Abs) hasAny() bool {
	for _, m := range a.Msgs {
		if slices.Contains(m.Votes, Any) {
			return true
		}
	}
	return false
}

// CmdName names command c of setup s as the spec's models do: Noop, or
// c<k+1> for the k-th distinct command of the operations, in their order
// (one command may be several operations: a retry at another proposer).
func CmdName(s *mpworld.Setup, c mp.Command) string {
	if c == mp.Noop {
		return "Noop"
	}
	k := 0
	for i, op := range s.Ops {
		if op.Cmd == c {
			return "c" + strconv.Itoa(k+1)
		}
		if !slices.ContainsFunc(s.Ops[:i], func(o mpworld.Op) bool { return o.Cmd == op.Cmd }) {
			k++
		}
	}
	return "?" + c.String()
}

// FromWorld reads the spec's variables off st, a state of s on the set
// network (its Net is the spec's msgs, with addressees): an acceptor's
// promise and votes in slots 1..maxSlot (more if it voted beyond), the
// 1a, 1b, 2a and 2b messages (not the code's nacks and decided
// messages), the operations invoked, and each proposer's replica's next
// slot and applied commands.
func FromWorld(s *mpworld.Setup, st *mpworld.State, maxSlot int) Abs {
	np := len(s.Config.Proposers)
	for i := range st.Nodes {
		for _, v := range st.Nodes[i].Mem.Votes {
			maxSlot = max(maxSlot, int(v.Slot))
		}
	}
	a := Abs{}
	for _, id := range s.Config.Acceptors {
		n := &st.Nodes[slices.Index(st.IDs, id)]
		a.MaxBal = append(a.MaxBal, n.Mem.MaxBal.Spec(np))
		vs := slices.Repeat([]AVote{NoVote}, maxSlot)
		for _, v := range n.Mem.Votes {
			vs[v.Slot-1] = AVote{Bal: v.Bal.Spec(np), Cmd: CmdName(s, v.Cmd)}
		}
		a.Vote = append(a.Vote, vs)
	}
	for _, m := range st.Net {
		am := AMsg{Type: m.Type.String(), Acc: -1, Bal: m.Bal.Spec(np)}
		switch m.Type {
		case mp.Msg1a:
		case mp.Msg1b:
			am.Acc = slices.Index(s.Config.Acceptors, m.From)
			vs, _ := m.Votes.Votes() // the explorer's states hold well-formed messages
			am.Votes = slices.Repeat([]AVote{NoVote}, maxSlot)
			for i := 0; i < int(m.Slot)-1 && i < maxSlot; i++ {
				am.Votes[i] = Any
			}
			for _, v := range vs {
				for len(am.Votes) < int(v.Slot) {
					am.Votes = append(am.Votes, NoVote)
				}
				am.Votes[v.Slot-1] = AVote{Bal: v.Bal.Spec(np), Cmd: CmdName(s, v.Cmd)}
			}
		case mp.Msg2a:
			am.Slot, am.Cmd = int(m.Slot), CmdName(s, m.Cmd)
		case mp.Msg2b:
			am.Acc = slices.Index(s.Config.Acceptors, m.From)
			am.Slot, am.Cmd = int(m.Slot), CmdName(s, m.Cmd)
		default:
			continue // nack, decided: the code's own
		}
		a.Msgs = append(a.Msgs, am)
	}
	for k := range s.Ops {
		if st.Invoked.Has(k) {
			a.Proposed = append(a.Proposed, CmdName(s, s.Ops[k].Cmd))
		}
	}
	slices.Sort(a.Proposed)
	a.Proposed = slices.Compact(a.Proposed)
	for _, id := range s.Config.Proposers {
		n := &st.Nodes[slices.Index(st.IDs, id)]
		var app []string
		for _, c := range n.Rep.Applied {
			app = append(app, CmdName(s, c))
		}
		a.Next = append(a.Next, int(n.Rep.Next))
		a.Applied = append(a.Applied, app)
	}
	return a
}

// FromTLC reads the spec's variables off a state TLC printed (a state of
// spec/MultiPaxos.tla: maxBal, vote, msgs, proposed, next, applied).
func FromTLC(st *tlc.State) (Abs, error) {
	get := func(name string) (tlc.Value, error) {
		v, ok := st.Get(name)
		if !ok {
			return v, fmt.Errorf("TLC state %d: no variable %s", st.Num, name)
		}
		return v, nil
	}
	bad := func(name string, v tlc.Value) error {
		return fmt.Errorf("TLC state %d: %s is not of MultiPaxos.tla's type: %s", st.Num, name, v)
	}
	var a Abs
	maxBal, err := get("maxBal")
	if err != nil {
		return a, err
	}
	accs := domain(maxBal)
	if accs == nil {
		return a, bad("maxBal", maxBal)
	}
	accIndex := func(v tlc.Value) int { return slices.Index(accs, v.Str) }
	for _, n := range accs {
		b, _ := lookup(maxBal, n)
		if b.Kind != tlc.Int {
			return a, bad("maxBal", maxBal)
		}
		a.MaxBal = append(a.MaxBal, b.Int)
	}
	vote, err := get("vote")
	if err != nil {
		return a, err
	}
	for _, n := range accs {
		vs, ok := lookup(vote, n)
		if !ok {
			return a, bad("vote", vote)
		}
		votes, ok := tlcVotes(vs)
		if !ok {
			return a, bad("vote", vote)
		}
		a.Vote = append(a.Vote, votes)
	}
	msgs, err := get("msgs")
	if err != nil {
		return a, err
	}
	if msgs.Kind != tlc.Set && !(msgs.Kind == tlc.Tuple && len(msgs.Elems) == 0) {
		return a, bad("msgs", msgs)
	}
	for _, m := range msgs.Elems {
		am := AMsg{Acc: -1}
		t, _ := m.Field("type")
		bal, ok := m.Field("bal")
		am.Type, am.Bal = t.Str, bal.Int
		if !ok || bal.Kind != tlc.Int {
			return a, bad("msgs", m)
		}
		if acc, ok := m.Field("acc"); ok {
			if am.Acc = accIndex(acc); am.Acc < 0 {
				return a, bad("msgs", m)
			}
		}
		if s, ok := m.Field("slot"); ok {
			c, _ := m.Field("cmd")
			am.Slot, am.Cmd = s.Int, c.Str
		}
		if vs, ok := m.Field("votes"); ok {
			if am.Votes, ok = tlcVotes(vs); !ok {
				return a, bad("msgs", m)
			}
		}
		switch am.Type {
		case "1a", "1b", "2a", "2b":
		default:
			return a, bad("msgs", m)
		}
		a.Msgs = append(a.Msgs, am)
	}
	proposed, err := get("proposed")
	if err != nil {
		return a, err
	}
	for _, c := range proposed.Elems {
		a.Proposed = append(a.Proposed, c.Str)
	}
	slices.Sort(a.Proposed)
	next, err := get("next")
	if err != nil {
		return a, err
	}
	applied, err := get("applied")
	if err != nil {
		return a, err
	}
	reps := domain(next)
	for _, r := range reps {
		n, _ := lookup(next, r)
		ap, ok := lookup(applied, r)
		if n.Kind != tlc.Int || !ok || ap.Kind != tlc.Tuple {
			return a, bad("next or applied", next)
		}
		var cs []string
		for _, c := range ap.Elems {
			cs = append(cs, c.Str)
		}
		a.Next = append(a.Next, n.Int)
		a.Applied = append(a.Applied, cs)
	}
	return a, nil
}

// domain is the model values a function of model values is defined on,
// sorted (nil if f is no such function).
func domain(f tlc.Value) []string {
	if f.Kind != tlc.Func && f.Kind != tlc.Record {
		return nil
	}
	var out []string
	for _, p := range f.Pairs {
		out = append(out, p.Key.Str)
	}
	slices.Sort(out)
	return out
}

func lookup(f tlc.Value, name string) (tlc.Value, bool) {
	for _, p := range f.Pairs {
		if p.Key.Str == name {
			return p.Val, true
		}
	}
	return tlc.Value{}, false
}

// tlcVotes reads a function of slots 1..n to votes (TLC prints it as a
// tuple).
func tlcVotes(v tlc.Value) ([]AVote, bool) {
	if v.Kind != tlc.Tuple {
		return nil, false
	}
	out := make([]AVote, 0, len(v.Elems))
	for _, e := range v.Elems {
		b, ok1 := e.Field("bal")
		c, ok2 := e.Field("cmd")
		if !ok1 || !ok2 || b.Kind != tlc.Int {
			return nil, false
		}
		out = append(out, AVote{Bal: b.Int, Cmd: c.Str})
	}
	return out, true
}

// View is a's view for the Go twins of the spec's invariants
// (mpinvariant), with each command named c<k> a command of its own (a put
// of key c<k>) and Noop the no-op, ballots as spec ballots of one
// proposer.
func (a *Abs) View() *mpinvariant.View {
	cmd := func(name string) mp.Command {
		if name == "Noop" {
			return mp.Noop
		}
		return mp.Command{Op: mp.OpPut, Key: name, Val: name, Seq: 1}
	}
	var votes []mpinvariant.Tally
	for _, m := range a.Msgs {
		if m.Type != "2b" {
			continue
		}
		t := mpinvariant.Tally{Slot: mp.Slot(m.Slot), Bal: ballot.FromSpec(m.Bal, 1), Cmd: cmd(m.Cmd)}
		i := slices.IndexFunc(votes, func(x mpinvariant.Tally) bool { return x.Slot == t.Slot && x.Bal == t.Bal && x.Cmd == t.Cmd })
		if i < 0 {
			i = len(votes)
			votes = append(votes, t)
		}
		votes[i].Accs |= 1 << m.Acc
	}
	var proposed []mp.Command
	for _, c := range a.Proposed {
		proposed = append(proposed, cmd(c))
	}
	var reps []mpinvariant.Replica
	for r := range a.Next {
		var app []mp.Command
		for _, c := range a.Applied[r] {
			app = append(app, cmd(c))
		}
		reps = append(reps, mpinvariant.Replica{Index: r, Next: mp.Slot(a.Next[r]), Applied: app})
	}
	return mpinvariant.NewView(len(a.MaxBal), votes, proposed, reps)
}
