package paxos

import (
	"fmt"
	"reflect"
	"testing"
)

// bugCases runs, for each catalogue bug, one scenario under the correct
// protocol and under the bug alone, and states what each must observe: the
// buggy code path differs from the correct one exactly as DESIGN.md says.
var bugCases = []struct {
	bug Bug
	// observe runs the scenario under c and returns what is compared.
	observe        func(t *testing.T, c *Config) any
	correct, buggy any
}{
	{
		bug: BugSkipPrepare,
		// A proposer's timeout sends 1a (phase 1), or with the bug 2a with
		// its own value at the fresh ballot.
		observe: func(t *testing.T, c *Config) any {
			n := node(t, c, p0)
			n, _ = step(t, c, n, request(0, "x"))
			n, e := step(t, c, n, timeout)
			return fmt.Sprintf("%s %s persist=%s", n.Phase, first(e), dur(e.Persist))
		},
		correct: "phase1 1a b=1.0 persist={MaxBal:- MaxVBal:- MaxVal: Round:1}",
		buggy:   "phase2 2a b=1.0 v=x persist={MaxBal:- MaxVBal:- MaxVal: Round:1}",
	},
	{
		bug: BugIgnorePromisedValue,
		// A quorum of promises, one reporting a vote for y: the correct
		// proposer must propose y; the buggy one proposes its own x.
		observe: func(t *testing.T, c *Config) any {
			n := proposerInPhase1(t, c, "x")
			n, _ = step(t, c, n, deliver(msg1b(a0, p0, bal(1, 0), Ballot{}, None)))
			_, e := step(t, c, n, deliver(msg1b(a1, p0, bal(1, 0), bal(1, 0), "y")))
			return first(e)
		},
		correct: "2a b=1.0 v=y",
		buggy:   "2a b=1.0 v=x",
	},
	{
		bug: BugPickLowestPromisedValue,
		// Votes reported at 1.0 (lo) and 2.1 (hi); only hi is safe.
		observe: func(t *testing.T, c *Config) any {
			n := proposerInPhase1(t, c, "x")
			n.Mem.Round = 3
			b := n.Ballot()
			n, _ = step(t, c, n, deliver(msg1b(a0, p0, b, bal(2, 1), "hi")))
			_, e := step(t, c, n, deliver(msg1b(a1, p0, b, bal(1, 0), "lo")))
			return first(e)
		},
		correct: "2a b=3.0 v=hi",
		buggy:   "2a b=3.0 v=lo",
	},
	{
		bug: BugAcceptBelowPromise,
		// Promised 2.1, then a 2a at 2.0 arrives.
		observe: func(t *testing.T, c *Config) any {
			n := acceptorAt(t, c, a0, Durable{MaxBal: bal(2, 1)})
			n, e := step(t, c, n, deliver(msg2a(p0, a0, bal(2, 0), "x")))
			return fmt.Sprintf("%s state=%s", first(e), dur(&n.Mem))
		},
		// With the bug it votes, but its promise does not go down.
		correct: "nack b=2.1 state={MaxBal:2.1 MaxVBal:- MaxVal: Round:0}",
		buggy:   "2b b=2.0 v=x state={MaxBal:2.1 MaxVBal:2.0 MaxVal:x Round:0}",
	},
	{
		bug: BugPromiseNotPersisted,
		// A 1b step asks for the promise to be persisted, or with the bug
		// it does not, and a crash then forgets the promise.
		observe: func(t *testing.T, c *Config) any {
			return forgetsAfterCrash(t, c, msg1a(p0, a0, bal(1, 0)))
		},
		correct: "persist={MaxBal:1.0 MaxVBal:- MaxVal: Round:0} restarted={MaxBal:1.0 MaxVBal:- MaxVal: Round:0}",
		buggy:   "persist=nil restarted={MaxBal:- MaxVBal:- MaxVal: Round:0}",
	},
	{
		bug: BugAcceptNotPersisted,
		observe: func(t *testing.T, c *Config) any {
			return forgetsAfterCrash(t, c, msg2a(p0, a0, bal(1, 0), "x"))
		},
		correct: "persist={MaxBal:1.0 MaxVBal:1.0 MaxVal:x Round:0} restarted={MaxBal:1.0 MaxVBal:1.0 MaxVal:x Round:0}",
		buggy:   "persist=nil restarted={MaxBal:- MaxVBal:- MaxVal: Round:0}",
	},
	{
		bug: BugMinorityQuorum,
		// With 3 acceptors one reply is ⌊3/2⌋: the buggy proposer sends
		// 2a after one 1b, and the buggy learner learns after one 2b.
		observe: func(t *testing.T, c *Config) any {
			n := proposerInPhase1(t, c, "x")
			_, e := step(t, c, n, deliver(msg1b(a0, p0, bal(1, 0), Ballot{}, None)))
			l := node(t, c, l0)
			_, le := step(t, c, l, deliver(msg2b(a0, l0, bal(1, 0), "x")))
			return fmt.Sprintf("quorum=%d proposer-sent=%d learned=%q", c.Quorum(), len(e.Send), le.Learned)
		},
		correct: `quorum=2 proposer-sent=0 learned=""`,
		buggy:   `quorum=1 proposer-sent=3 learned="x"`,
	},
	{
		bug: BugLearnerCountsDuplicates,
		// One acceptor's 2b delivered twice.
		observe: func(t *testing.T, c *Config) any {
			l := node(t, c, l0)
			l, _ = step(t, c, l, deliver(msg2b(a0, l0, bal(1, 0), "x")))
			_, e := step(t, c, l, deliver(msg2b(a0, l0, bal(1, 0), "x")))
			return e.Learned
		},
		correct: None,
		buggy:   Value("x"),
	},
}

// forgetsAfterCrash delivers m to a fresh acceptor a0, has the runner
// persist what the step asks (if anything), crashes and restarts the
// acceptor from storage, and reports what was persisted and restored.
func forgetsAfterCrash(t *testing.T, c *Config, m Message) string {
	t.Helper()
	var disk Durable
	n := node(t, c, a0)
	n, e := step(t, c, n, deliver(m))
	if len(e.Send) == 0 {
		t.Fatalf("%s sent no reply", m)
	}
	if e.Persist != nil {
		disk = *e.Persist
	}
	p := dur(e.Persist)
	n, _ = step(t, c, n, Input{Kind: InCrash})
	n, _ = step(t, c, n, Input{Kind: InRestart, Durable: disk})
	return fmt.Sprintf("persist=%s restarted=%s", p, dur(&n.Mem))
}

// first renders the first message sent, or "none".
func first(e Effects) string {
	if len(e.Send) == 0 {
		return "none"
	}
	return e.Send[0].String()
}

// dur renders a durable state with field names, or "nil".
func dur(d *Durable) string {
	if d == nil {
		return "nil"
	}
	return fmt.Sprintf("{MaxBal:%s MaxVBal:%s MaxVal:%s Round:%d}", d.MaxBal, d.MaxVBal, d.MaxVal, d.Round)
}

func TestEachBugChangesItsCodePath(t *testing.T) {
	covered := Bugs(0)
	for _, tc := range bugCases {
		covered |= Bugs(tc.bug)
		t.Run(tc.bug.String(), func(t *testing.T) {
			if reflect.DeepEqual(tc.correct, tc.buggy) {
				t.Fatal("the case does not tell the bug from the correct protocol")
			}
			if got := tc.observe(t, testConfig(0)); !reflect.DeepEqual(got, tc.correct) {
				t.Errorf("correct protocol: got %#v, want %#v", got, tc.correct)
			}
			if got := tc.observe(t, testConfig(Bugs(tc.bug))); !reflect.DeepEqual(got, tc.buggy) {
				t.Errorf("with %s: got %#v, want %#v", tc.bug, got, tc.buggy)
			}
			// Every other bug switched on leaves this scenario correct:
			// each bug is confined to its own code path.
			others := AllBugs &^ Bugs(tc.bug)
			for _, o := range Catalogue() {
				if !others.Has(o) || interferes(tc.bug, o) {
					continue
				}
				if got := tc.observe(t, testConfig(Bugs(o))); !reflect.DeepEqual(got, tc.correct) {
					t.Errorf("with only %s: got %#v, want the correct %#v", o, got, tc.correct)
				}
			}
		})
	}
	if covered != AllBugs {
		t.Fatalf("bugs without a case: %v", (AllBugs &^ covered).Names())
	}
}

// interferes reports whether other bug b legitimately changes the scenario
// of bug a: skip-prepare never runs phase 1, so no phase-1 scenario
// happens; minority-quorum changes the quorum the proposer and learner
// scenarios reach; the two value-choice bugs override each other; and
// learner-counts-duplicates makes the minority-quorum learner count the same.
func interferes(a, b Bug) bool {
	phase1 := a == BugIgnorePromisedValue || a == BugPickLowestPromisedValue || a == BugMinorityQuorum
	switch {
	case b == BugSkipPrepare && phase1:
		return true
	case b == BugMinorityQuorum && (a == BugIgnorePromisedValue || a == BugPickLowestPromisedValue || a == BugLearnerCountsDuplicates):
		return true
	case (a == BugIgnorePromisedValue && b == BugPickLowestPromisedValue) || (a == BugPickLowestPromisedValue && b == BugIgnorePromisedValue):
		return true
	}
	return false
}
