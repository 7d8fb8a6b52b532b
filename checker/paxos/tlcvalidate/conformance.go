package tlcvalidate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/paxoscheck/paxoscheck/checker/paxos/invariant"
	"github.com/paxoscheck/paxoscheck/checker/paxos/paxosexplore"
	"github.com/paxoscheck/paxoscheck/checker/paxos/tlctrace"
	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/checker/tlc"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/spec"
)

// Conformance compares two sets of abstract states at one cluster's
// bounds (issue 15, item 4): those the explorer reaches in the code,
// projected onto the spec's variables by the abstraction function
// (invariant.FromWorld), and those TLC reaches in spec/Paxos.tla (its
// state dump) with the same acceptors, values and ballots.
type Conformance struct {
	// Code and Spec count the distinct abstract states of each side.
	Code, Spec int
	// CodeOnly are code states that are no spec state (each one a
	// conformance failure), SpecOnly the spec states the code never
	// reaches, both as Key writes them and sorted.
	CodeOnly, SpecOnly []string
	// Kinds counts the spec-only states by the reason the code never
	// reaches them (Why); Unexplained are those Why has no reason for.
	Kinds       map[string]int
	Unexplained []string
}

// The kinds of spec states the code never reaches: the code is stricter
// than the spec, in these ways only.
const (
	// KindEarlyBallot: a ballot is in use (an acceptor promised or voted
	// in it, a 2a of it was sent) while its proposer's client has not
	// proposed: a Go proposer starts a ballot only on a timeout, and its
	// timer is armed by its client's request; the spec's Phase1a(b) may
	// happen at any time.
	KindEarlyBallot = "a ballot in use before its proposer's client proposed"
	// KindOtherValue: a 2a carries a value that is neither its
	// proposer's client's nor a vote reported to it: a Go proposer with
	// no reported vote proposes its own client's value; the spec's
	// Phase2a(b, v) takes any proposed value.
	KindOtherValue = "a 2a of a value that is not its proposer's own and was not reported to it"
)

// Why says why the code never reaches the spec state a of setup's
// cluster: one of the kinds above, or "" if none applies.
func Why(setup *world.Setup, a *invariant.Abstract) string {
	np := len(setup.Config.Proposers)
	own := func(b int) string { // the value of ballot b's proposer's (first) client
		p := setup.Config.Proposers[b%np]
		for _, c := range setup.Clients {
			if c.Proposer == p {
				return string(c.Value)
			}
		}
		return ""
	}
	proposed := func(v string) bool { return slices.Contains(a.Proposed, paxos.Value(v)) }
	for i := 0; i < a.NumAcceptors; i++ {
		for _, b := range []int{a.MaxBal[i], a.MaxVBal[i]} {
			if b >= 0 && !proposed(own(b)) {
				return KindEarlyBallot
			}
		}
	}
	for _, m := range a.Msgs {
		if m.Bal >= 0 && !proposed(own(m.Bal)) {
			return KindEarlyBallot
		}
	}
	for _, m := range a.Msgs {
		if m.Type != "2a" || string(m.Val) == own(m.Bal) {
			continue
		}
		reported := false
		for _, r := range a.Msgs {
			if r.Type == "1b" && r.Bal == m.Bal && r.MBal >= 0 && r.MVal == m.Val {
				reported = true
			}
		}
		if !reported {
			return KindOtherValue
		}
	}
	return ""
}

// Key writes an abstract state canonically: a set of them is a set of
// keys. Messages are sorted (the spec's msgs is a set); 1a messages are
// not in it (FromWorld and tlctrace.ToAbstract leave them out).
func Key(a *invariant.Abstract) string {
	msgs := make([]string, len(a.Msgs))
	for i, m := range a.Msgs {
		msgs[i] = m.String()
	}
	slices.Sort(msgs)
	msgs = slices.Compact(msgs)
	vals := func(vs []string) string { slices.Sort(vs); return "{" + strings.Join(vs, ",") + "}" }
	var prop, learned []string
	for _, v := range a.Proposed {
		prop = append(prop, string(v))
	}
	for _, v := range a.Learned {
		learned = append(learned, string(v))
	}
	var acc []string
	for i := 0; i < a.NumAcceptors; i++ {
		acc = append(acc, fmt.Sprintf("a%d:%d/%d/%s", i, a.MaxBal[i], a.MaxVBal[i], a.MaxVal[i]))
	}
	return strings.Join(acc, " ") + " msgs{" + strings.Join(msgs, " ") + "} proposed" + vals(prop) + " learned" + vals(learned)
}

// Conform explores setup (no reduction, so that no state is merged away)
// and runs TLC (jar) on spec/Paxos.tla at the same bounds: the setup's
// acceptors as model values a0, a1, ..., its clients' values, and ballots
// up to the highest spec ballot the setup's rounds reach. The spec is
// correct Paxos; the setup must be on the set network (the spec's msgs),
// without crashes, one client at most per proposer (two clients may share
// a value: the spec's Values are the distinct ones). (A setup with a bug
// reaches states the spec does not: CodeOnly.)
func Conform(ctx context.Context, jar string, setup world.Setup) (*Conformance, error) {
	if setup.Budget.Crashes != 0 || !setup.SetNetwork {
		return nil, fmt.Errorf("conformance: want the set network without crashes")
	}
	var values []string
	for _, c := range setup.Clients {
		if !slices.Contains(values, string(c.Value)) {
			values = append(values, string(c.Value))
		}
	}
	np := len(setup.Config.Proposers)
	maxBallot := int(setup.MaxRound)*np - 1

	var mu sync.Mutex
	code := map[string]bool{}
	_, err := paxosexplore.Run(setup, paxosexplore.Options{NoSymmetry: true, NoDead: true, MaxMemory: -1,
		Check: func(s *world.Setup, st *world.State, depth int) *invariant.Violation {
			a := invariant.FromWorld(s, st)
			k := Key(&a)
			mu.Lock()
			code[k] = true
			mu.Unlock()
			return nil
		}})
	if err != nil {
		return nil, err
	}

	dir, err := os.MkdirTemp("", "paxoscheck-conformance-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	var accs []string
	for i := range setup.Config.Acceptors {
		accs = append(accs, fmt.Sprintf("a%d", i))
	}
	consts := append(slices.Clone(accs), values...)
	module := "---- MODULE PaxosConformance ----\nEXTENDS Paxos\nCONSTANTS " + strings.Join(consts, ", ") + "\n====\n"
	var cfg strings.Builder
	cfg.WriteString("CONSTANTS\n")
	for _, c := range consts {
		fmt.Fprintf(&cfg, "  %s = %s\n", c, c)
	}
	fmt.Fprintf(&cfg, "  Acceptors = {%s}\n  Values = {%s}\n  None = None\n  MaxBallot = %d\nSPECIFICATION Spec\n",
		strings.Join(accs, ", "), strings.Join(values, ", "), maxBallot)
	dump := filepath.Join(dir, "states")
	if _, err := tlc.Run(ctx, jar, tlc.Model{Spec: spec.Modules, Modules: map[string]string{"PaxosConformance": module},
		Root: "PaxosConformance", Config: cfg.String(), Workers: 2, Dir: filepath.Join(dir, "tlc"),
		Args: []string{"-dump", dump}}); err != nil {
		return nil, err
	}
	f, err := os.Open(dump + ".dump")
	if err != nil {
		return nil, fmt.Errorf("conformance: TLC's state dump: %w", err)
	}
	defer f.Close()
	specStates := map[string]invariant.Abstract{}
	if err := tlc.EachDumpState(f, func(st *tlc.State) error {
		a, err := tlctrace.ToAbstract(st)
		if err != nil {
			return err
		}
		specStates[Key(&a)] = a
		return nil
	}); err != nil {
		return nil, fmt.Errorf("conformance: TLC's state dump: %w", err)
	}
	c := &Conformance{Code: len(code), Spec: len(specStates), Kinds: map[string]int{}}
	for k := range code {
		if _, ok := specStates[k]; !ok {
			c.CodeOnly = append(c.CodeOnly, k)
		}
	}
	for k, a := range specStates {
		if code[k] {
			continue
		}
		c.SpecOnly = append(c.SpecOnly, k)
		if why := Why(&setup, &a); why != "" {
			c.Kinds[why]++
		} else {
			c.Unexplained = append(c.Unexplained, k)
		}
	}
	slices.Sort(c.Unexplained)
	slices.Sort(c.CodeOnly)
	slices.Sort(c.SpecOnly)
	return c, nil
}
