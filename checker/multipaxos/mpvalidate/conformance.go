package mpvalidate

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/paxoscheck/paxoscheck/checker/explore"
	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpmodel"
	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpworld"
	"github.com/paxoscheck/paxoscheck/checker/tlc"
	"github.com/paxoscheck/paxoscheck/spec"
)

// Conformance compares two sets of abstract states of Multi-Paxos at one
// cluster's bounds (issue 15, item 4): those the explorer reaches in the
// code, projected onto spec/MultiPaxos.tla's variables (FromWorld), and
// those TLC reaches in the spec (its state dump) with the same
// acceptors, commands, replicas, slots and ballots. Both sides are
// compared up to a renaming of the acceptors, as TLC's symmetry reduction
// stores them.
type Conformance struct {
	// Code and Spec count the distinct abstract states of each side (the
	// spec's up to acceptor renaming, the code's exactly).
	Code, Spec int
	// CodeOnly are code states that are no spec state (each one a
	// conformance failure), as Abs.Key writes them, sorted.
	CodeOnly []string
	// SpecOnly counts the spec states the code never reaches; Kinds
	// counts them by the reason the code never reaches them (Why), and
	// Unexplained are those Why has no reason for (their keys, sorted).
	SpecOnly    int
	Kinds       map[string]int
	Unexplained []string
}

// ConformOptions are the bounds of a conformance check beyond the
// setup's: MaxSlot is the spec's (a code state with a vote beyond it is
// no spec state).
type ConformOptions struct {
	MaxSlot int
	// Workers is TLC's and the explorer's (0: 2).
	Workers int
}

// Conform explores setup (every state hashed whole, no reduction) and
// runs TLC (jar) on spec/MultiPaxos.tla at the same bounds: the setup's
// acceptors as model values a1, a2, ..., its operations' commands as c1,
// c2, ..., a replica r1, r2, ... per proposer, slots 1..o.MaxSlot and
// ballots up to the highest spec ballot the setup's rounds reach, with
// symmetry over the acceptors. The spec is correct Multi-Paxos; the
// setup must be on the set network (the spec's msgs) and without crashes.
// (A setup with a bug reaches states the spec does not: CodeOnly.)
func Conform(ctx context.Context, jar string, setup mpworld.Setup, o ConformOptions) (*Conformance, error) {
	if setup.Budget.Crashes != 0 || !setup.SetNetwork {
		return nil, fmt.Errorf("conformance: want the set network without crashes")
	}
	if setup.MaxRound == 0 || len(setup.Rounds) > 0 {
		return nil, fmt.Errorf("conformance: want the rounds bounded by MaxRound alone")
	}
	na, np := len(setup.Config.Acceptors), len(setup.Config.Proposers)
	if na > 9 || np > 9 || len(setup.Ops) > 9 || o.MaxSlot < 1 {
		return nil, fmt.Errorf("conformance: at most 9 acceptors, proposers and operations, and at least one slot")
	}
	code, err := codeStates(setup, o)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "paxoscheck-mpconformance-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	dump := filepath.Join(dir, "states")
	if err := specStates(ctx, jar, setup, o, dump); err != nil {
		return nil, err
	}
	f, err := os.Open(dump + ".dump")
	if err != nil {
		return nil, fmt.Errorf("conformance: TLC's state dump: %w", err)
	}
	defer f.Close()
	specs, err := specAbs(&setup, f)
	if err != nil {
		return nil, err
	}
	return compare(&setup, code, specs), nil
}

func workers(o ConformOptions) int {
	if o.Workers == 0 {
		return 2
	}
	return o.Workers
}

// codeStates are the abstract states the explorer reaches in setup, by
// key.
func codeStates(setup mpworld.Setup, o ConformOptions) (map[string]Abs, error) {
	var mu sync.Mutex
	code := map[string]Abs{}
	m := &mpmodel.Model{Setup: setup, NoLinearizability: true}
	_, err := explore.Run(m, mpmodel.Options{Workers: workers(o), MaxMemory: -1,
		Check: func(st *mpworld.State, depth int) *graph.Violation {
			a := FromWorld(&m.Setup, st, o.MaxSlot)
			k := a.Key()
			mu.Lock()
			if _, ok := code[k]; !ok {
				code[k] = a
			}
			mu.Unlock()
			return nil
		}})
	if err != nil {
		return nil, fmt.Errorf("conformance: exploring the code: %w", err)
	}
	return code, nil
}

// specStates runs TLC on spec/MultiPaxos.tla at setup's bounds, dumping
// the states it reaches to dump+".dump".
func specStates(ctx context.Context, jar string, setup mpworld.Setup, o ConformOptions, dump string) error {
	na, np := len(setup.Config.Acceptors), len(setup.Config.Proposers)
	maxBallot := int(setup.MaxRound)*np - 1
	name := func(p string, i int) string { return fmt.Sprintf("%s%d", p, i+1) }
	var accs, cmds, reps []string
	for i := 0; i < na; i++ {
		accs = append(accs, name("a", i))
	}
	for i := range setup.Ops {
		cmds = append(cmds, name("c", i))
	}
	for i := 0; i < np; i++ {
		reps = append(reps, name("r", i))
	}
	consts := slices.Concat(accs, cmds, reps)
	module := "---- MODULE MultiPaxosConformance ----\nEXTENDS MultiPaxos, TLC\nCONSTANTS " + strings.Join(consts, ", ") +
		"\nAcceptorSymmetry == Permutations(Acceptors)\n====\n"
	var cfg strings.Builder
	cfg.WriteString("CONSTANTS\n")
	for _, c := range consts {
		fmt.Fprintf(&cfg, "  %s = %s\n", c, c)
	}
	fmt.Fprintf(&cfg, "  Acceptors = {%s}\n  Commands = {%s}\n  Replicas = {%s}\n  MaxSlot = %d\n  MaxBallot = %d\n  Noop = Noop\n  None = None\nSPECIFICATION Spec\nSYMMETRY AcceptorSymmetry\n",
		strings.Join(accs, ", "), strings.Join(cmds, ", "), strings.Join(reps, ", "), o.MaxSlot, maxBallot)
	_, err := tlc.Run(ctx, jar, tlc.Model{Spec: spec.Modules, Modules: map[string]string{"MultiPaxosConformance": module},
		Root: "MultiPaxosConformance", Config: cfg.String(), Workers: workers(o), Dir: filepath.Dir(dump) + "/tlc",
		Args: []string{"-dump", dump}})
	return err
}

// canon is a's key under the renaming of the acceptors that gives the
// least one: the key of its class.
func canon(a *Abs, perms [][]int, coarse bool) string {
	best := ""
	for i, p := range perms {
		if k := a.key(p, coarse); i == 0 || k < best {
			best = k
		}
	}
	return best
}

// specSet is the spec's states, one per class of acceptor renaming, and
// their classes' keys (canon).
type specSet struct {
	abs  []Abs
	keys []string
}

// specAbs reads TLC's dump of setup's bounds, state by state (the
// dump's values would not fit in memory at once).
func specAbs(setup *mpworld.Setup, dump io.Reader) (*specSet, error) {
	na, np := len(setup.Config.Acceptors), len(setup.Config.Proposers)
	perms := permutations(na)
	specs := &specSet{}
	seen := map[string]bool{}
	err := tlc.EachDumpState(dump, func(st *tlc.State) error {
		a, err := FromTLC(st)
		if err != nil {
			return err
		}
		if len(a.MaxBal) != na || len(a.Next) != np {
			return fmt.Errorf("state %d has %d acceptors and %d replicas", st.Num, len(a.MaxBal), len(a.Next))
		}
		if k := canon(&a, perms, false); !seen[k] {
			seen[k] = true
			specs.abs, specs.keys = append(specs.abs, a), append(specs.keys, k)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("conformance: TLC's state dump: %w", err)
	}
	return specs, nil
}

// compare compares the code's abstract states with the spec's up to
// acceptor renaming.
func compare(setup *mpworld.Setup, code map[string]Abs, set *specSet) *Conformance {
	perms := permutations(len(setup.Config.Acceptors))
	specs := set.abs
	byKey := make(map[string]int, len(specs))
	for i, k := range set.keys {
		byKey[k] = i
	}
	var byCoarse map[string][]int // built for the first code 1b that reports not every slot
	reached := make([]bool, len(specs))
	c := &Conformance{Code: len(code), Spec: len(specs), Kinds: map[string]int{}}
	for k, a := range code {
		if !a.hasAny() {
			if i, ok := byKey[canon(&a, perms, false)]; ok {
				reached[i] = true
			} else {
				c.CodeOnly = append(c.CodeOnly, k)
			}
			continue
		}
		if byCoarse == nil {
			byCoarse = map[string][]int{}
			for i := range specs {
				ck := canon(&specs[i], perms, true)
				byCoarse[ck] = append(byCoarse[ck], i)
			}
		}
		found := false
		for _, i := range byCoarse[canon(&a, perms, true)] {
			if matchAny(&a, &specs[i], perms) {
				reached[i], found = true, true
			}
		}
		if !found {
			c.CodeOnly = append(c.CodeOnly, k)
		}
	}
	for i := range specs {
		if reached[i] {
			continue
		}
		c.SpecOnly++
		if why := Why(setup, &specs[i]); why != "" {
			c.Kinds[why]++
		} else {
			c.Unexplained = append(c.Unexplained, specs[i].Key())
		}
	}
	slices.Sort(c.CodeOnly)
	slices.Sort(c.Unexplained)
	return c
}

// matchAny reports whether code state a, whose 1b messages may leave
// slots unreported (Any), is spec state s under some renaming of the
// acceptors: everything but the 1b's votes is equal, and each 1b's votes
// are equal in every slot it reports.
func matchAny(a, s *Abs, perms [][]int) bool {
	id := identity(len(s.MaxBal))
	sk := s.key(id, true)
	for _, p := range perms {
		if a.key(p, true) != sk {
			continue
		}
		ok := true
		for _, m := range a.Msgs {
			if m.Type != "1b" {
				continue
			}
			j := slices.IndexFunc(s.Msgs, func(x AMsg) bool { return x.Type == "1b" && x.Acc == p[m.Acc] && x.Bal == m.Bal })
			if j < 0 || len(s.Msgs[j].Votes) != len(m.Votes) {
				ok = false
				break
			}
			for k, v := range m.Votes {
				if v != Any && v != s.Msgs[j].Votes[k] {
					ok = false
				}
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// The kinds of spec states the code never reaches: the code is stricter
// than the spec, in these ways (Why). Each is a rule of the Go code
// (impl/multipaxos), named here to explain the spec-only states; none is
// assumed by the check itself, which compares the states as they are.
const (
	// KindEarlyBallot: a ballot is started (a 1a of it was sent) while no
	// command of its proposer's clients has been proposed: a Go proposer
	// times out, and starts a ballot, only while a client waits on it;
	// the spec's Phase1a(b) may happen at any time.
	KindEarlyBallot = "a ballot started before its proposer's clients proposed"
	// KindSkippedRound: a proposer's ballot of round r > 1 is started
	// while no ballot of round r-1 or above (of any proposer) was: a Go
	// proposer's next round is one above the highest it has been in or
	// heard of.
	KindSkippedRound = "a proposer's ballot started with no ballot of the round before it"
	// KindNoopNotHole: a 2a of a no-op in a slot that no 1b of its
	// ballot shows below a reported vote: a Go leader fills with no-ops
	// only the holes below the highest slot its quorum reported a vote
	// in; the spec's Phase2a takes a no-op in any slot without one.
	KindNoopNotHole = "a no-op 2a in a slot that is no hole below a reported vote"
	// KindSlotOrder: a 2a of ballot b in a slot above one that has no 2a
	// of b and no command chosen that b's leader can have known of (one
	// chosen at a ballot up to b, or at another proposer's): a Go leader
	// gives slots in order from the first it does not know chosen (a
	// hole, a no-op) and sends their 2a in slot order; the spec's
	// leader, any slot at any time.
	KindSlotOrder = "a 2a above a slot of its ballot that has none and was not known chosen"
	// KindPipeline: more of a ballot's 2a messages in flight (in slots
	// not chosen at that ballot, or chosen and not learned by its leader)
	// than the pipeline allows: a Go leader has at most Config.Pipeline
	// slots in flight, and a slot leaves the window only once the leader
	// counted its quorum's votes (and learned it).
	KindPipeline = "more 2a of a ballot in flight than the pipeline allows"
	// KindRefill: a leader learned a slot of its ballot and sent no 2a
	// of its next proposal, a fresh slot for the command it had adopted
	// there (which waited when its ballot started): a Go leader gives
	// every waiting command a slot of its own when it starts leading,
	// even one it adopts (the dedup table makes the second harmless),
	// and each slot that leaves the window lets the next 2a out.
	KindRefill = "a leader learned a slot and sent no 2a of its next proposal"
	// KindLateLearn: a replica applied a command of its proposer's
	// clients in a slot where it was chosen only at ballots of that
	// proposer which the proposer had left (it started a later ballot),
	// while no other command of its clients was ever proposed: a Go
	// proposer counts only 2b messages of its current ballot, so it
	// learned the slot before it left the ballot; but then nothing waited
	// on it, and a Go proposer starts a ballot only while a client waits.
	KindLateLearn = "a replica applied a slot chosen only at a ballot its proposer left with nothing waiting"
	// KindTwice: one command in the 2a of two slots at one ballot, in
	// neither of which a 1b of that ballot reported it: a Go leader gives
	// a command one fresh slot per ballot (and any number it adopts).
	KindTwice = "a command's 2a in two slots at one ballot, neither adopted"
)

// Why says why the code never reaches spec state a of setup's cluster:
// one of the kinds above, or "" if none applies.
func Why(setup *mpworld.Setup, a *Abs) string {
	np := len(setup.Config.Proposers)
	own := func(b int) []string {
		var out []string
		for _, op := range setup.Ops {
			if op.Proposer == setup.Config.Proposers[b%np] {
				out = append(out, CmdName(setup, op.Cmd))
			}
		}
		return out
	}
	round := func(b int) int { return b/np + 1 }
	for _, m := range a.Msgs {
		if m.Type == "1a" && !slices.ContainsFunc(own(m.Bal), func(c string) bool { return slices.Contains(a.Proposed, c) }) {
			return KindEarlyBallot
		}
	}
	for _, m := range a.Msgs {
		if m.Type != "1a" || round(m.Bal) == 1 {
			continue
		}
		if !slices.ContainsFunc(a.Msgs, func(x AMsg) bool { return x.Type == "1a" && x.Bal != m.Bal && round(x.Bal) >= round(m.Bal)-1 }) {
			return KindSkippedRound
		}
	}
	reported := func(b, s int) []AVote { // the votes 1b messages of b report in slot s
		var out []AVote
		for _, m := range a.Msgs {
			if m.Type == "1b" && m.Bal == b && s <= len(m.Votes) && m.Votes[s-1].Bal >= 0 {
				out = append(out, m.Votes[s-1])
			}
		}
		return out
	}
	has2a := func(b, s int) bool {
		return slices.ContainsFunc(a.Msgs, func(x AMsg) bool { return x.Type == "2a" && x.Bal == b && x.Slot == s })
	}
	for _, m := range a.Msgs {
		if m.Type != "2a" || m.Cmd != "Noop" {
			continue
		}
		above := false
		for s := m.Slot + 1; s <= len(a.Vote[0]); s++ {
			above = above || len(reported(m.Bal, s)) > 0
		}
		if !above {
			return KindNoopNotHole
		}
	}
	// others: a slot is chosen at another proposer's ballot than b's (a
	// decided message may then have moved b's leader past a slot).
	others := func(b int) bool {
		for s := 1; s <= len(a.Vote[0]); s++ {
			if slices.ContainsFunc(a.chosenAt(s), func(x int) bool { return x%np != b%np }) {
				return true
			}
		}
		return false
	}
	for _, m := range a.Msgs {
		if m.Type != "2a" || others(m.Bal) {
			continue
		}
		r := m.Bal % np
		for s := 1; s < m.Slot; s++ {
			// b's leader knew slot s chosen, and so skipped it, only if
			// it was chosen at a ballot up to b; and its replica knows
			// no more now than then, and would have applied its next
			// slot had it known it.
			knew := slices.ContainsFunc(a.chosenAt(s), func(x int) bool { return x <= m.Bal })
			if !has2a(m.Bal, s) && (!knew || s == a.Next[r]) {
				return KindSlotOrder
			}
		}
	}
	for _, m := range a.Msgs {
		if m.Type != "1a" {
			continue
		}
		// A 2a goes out while fewer than Pipeline lower slots are in
		// flight (sent in slot order; a slot out of the window stays
		// out): in flight now is not chosen at b, or chosen and not yet
		// learned by b's leader (its replica would have applied its
		// next slot).
		inFlight := 0
		for s := 1; s <= len(a.Vote[0]); s++ {
			if !has2a(m.Bal, s) {
				continue
			}
			if inFlight >= setup.Config.Pipeline {
				return KindPipeline
			}
			if !slices.Contains(a.chosenAt(s), m.Bal) || s == a.Next[m.Bal%np] {
				inFlight++
			}
		}
	}
	for r, n := range a.Next {
		// p's latest ballot b sent a 2a in slot n-1 and its replica
		// applied it: it learned it from b's own 2b (decided messages
		// aside), and that step sent the 2a of b's next proposal. With
		// one command c of p's clients proposed, c waited when b
		// started and was given a fresh slot at b; if b adopted c in
		// slot n-1, the fresh one comes after it.
		var props []string
		for _, c := range a.Proposed {
			if slices.Contains(own(r), c) {
				props = append(props, c)
			}
		}
		b := -1
		for _, m := range a.Msgs {
			if m.Type == "1a" && m.Bal%np == r {
				b = max(b, m.Bal)
			}
		}
		if b < 0 || len(props) != 1 || others(b) || n-1 < 1 || n > len(a.Vote[0]) {
			continue
		}
		c := props[0]
		adopted := slices.ContainsFunc(a.Msgs, func(x AMsg) bool { return x.Type == "2a" && x.Bal == b && x.Slot == n-1 && x.Cmd == c }) &&
			slices.ContainsFunc(reported(b, n-1), func(v AVote) bool { return v.Cmd == c })
		later := slices.ContainsFunc(a.Msgs, func(x AMsg) bool { return x.Type == "2a" && x.Bal == b && x.Slot >= n })
		if adopted && !later && !slices.ContainsFunc(a.Msgs, func(x AMsg) bool { return x.Type == "2a" && x.Bal == b && x.Cmd == c && x.Slot != n-1 }) {
			return KindRefill
		}
	}
	for r, applied := range a.Applied {
		mine := own(r)
		var props []string
		for _, c := range a.Proposed {
			if slices.Contains(mine, c) {
				props = append(props, c)
			}
		}
		if len(props) != 1 || !slices.Contains(applied, props[0]) {
			continue
		}
		for s := 1; s < a.Next[r]; s++ {
			bals := a.chosenAt(s)
			if len(bals) == 0 || !slices.ContainsFunc(a.Msgs, func(x AMsg) bool { return x.Type == "2b" && x.Slot == s && x.Cmd == props[0] }) {
				continue
			}
			left := !slices.ContainsFunc(bals, func(b int) bool {
				return b%np != r || !slices.ContainsFunc(a.Msgs, func(x AMsg) bool { return x.Type == "1a" && x.Bal > b && x.Bal%np == r })
			})
			if left && slices.Equal(a.chosenIn(s), []string{props[0]}) {
				return KindLateLearn
			}
		}
	}
	fresh := func(m AMsg) bool { // a 2a of a command not reported to its ballot in its slot
		return m.Type == "2a" && m.Cmd != "Noop" && !slices.ContainsFunc(reported(m.Bal, m.Slot), func(v AVote) bool { return v.Cmd == m.Cmd })
	}
	for _, m := range a.Msgs {
		if fresh(m) && slices.ContainsFunc(a.Msgs, func(x AMsg) bool {
			return fresh(x) && x.Bal == m.Bal && x.Cmd == m.Cmd && x.Slot != m.Slot
		}) {
			return KindTwice
		}
	}
	return ""
}

// chosenAt are the ballots at which a command was chosen in slot s.
func (a *Abs) chosenAt(s int) []int { bals, _ := a.chosen(s); return bals }

// chosenIn are the commands a majority voted for in slot s at one ballot
// (spec ChosenIn).
func (a *Abs) chosenIn(s int) []string { _, cmds := a.chosen(s); return cmds }

// chosen counts slot s's 2b votes: the ballots and the commands a
// majority voted for at one ballot.
func (a *Abs) chosen(s int) (bals []int, cmds []string) {
	type bc struct {
		bal int
		cmd string
	}
	votes := map[bc]map[int]bool{}
	for _, m := range a.Msgs {
		if m.Type == "2b" && m.Slot == s {
			k := bc{m.Bal, m.Cmd}
			if votes[k] == nil {
				votes[k] = map[int]bool{}
			}
			votes[k][m.Acc] = true
		}
	}
	for k, accs := range votes {
		if 2*len(accs) > len(a.MaxBal) {
			if !slices.Contains(bals, k.bal) {
				bals = append(bals, k.bal)
			}
			if !slices.Contains(cmds, k.cmd) {
				cmds = append(cmds, k.cmd)
			}
		}
	}
	return bals, cmds
}
