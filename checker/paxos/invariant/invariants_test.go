package invariant

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/paxoscheck/paxoscheck/impl/paxos"
)

const (
	x    = paxos.Value("x")
	y    = paxos.Value("y")
	none = paxos.None
)

func m1b(a, b, mbal int, mval paxos.Value) Msg {
	return Msg{Type: "1b", Acc: a, Bal: b, MBal: mbal, MVal: mval}
}
func m2a(b int, v paxos.Value) Msg    { return Msg{Type: "2a", Acc: -1, Bal: b, MBal: -1, Val: v} }
func m2b(a, b int, v paxos.Value) Msg { return Msg{Type: "2b", Acc: a, Bal: b, MBal: -1, Val: v} }

// state builds a 3-acceptor Abstract with x and y proposed.
func state(maxBal, maxVBal []int, maxVal []paxos.Value, msgs ...Msg) Abstract {
	return Abstract{NumAcceptors: len(maxBal), MaxBal: maxBal, MaxVBal: maxVBal, MaxVal: maxVal,
		Msgs: msgs, Proposed: []paxos.Value{x, y}}
}

// with returns a copy of a changed by f.
func with(a Abstract, f func(*Abstract)) Abstract {
	a.MaxBal, a.MaxVBal, a.MaxVal = slices.Clone(a.MaxBal), slices.Clone(a.MaxVBal), slices.Clone(a.MaxVal)
	a.Msgs, a.Proposed, a.Learned = slices.Clone(a.Msgs), slices.Clone(a.Proposed), slices.Clone(a.Learned)
	f(&a)
	return a
}

func add(ms ...Msg) func(*Abstract) { return func(a *Abstract) { a.Msgs = append(a.Msgs, ms...) } }

// Reachable states of correct Paxos, on which every invariant holds.
var (
	initial = state([]int{-1, -1, -1}, []int{-1, -1, -1}, []paxos.Value{none, none, none})
	// chosenX: ballot 0 ran with every acceptor; 0 and 1 voted x, which
	// is chosen and learned.
	chosenX = func() Abstract {
		a := state([]int{0, 0, 0}, []int{0, 0, -1}, []paxos.Value{x, x, none},
			m1b(0, 0, -1, none), m1b(1, 0, -1, none), m1b(2, 0, -1, none),
			m2a(0, x), m2b(0, 0, x), m2b(1, 0, x))
		a.Learned = []paxos.Value{x}
		return a
	}()
	// overtaken: only acceptor 0 voted x in ballot 0; ballot 1 ran with
	// {1, 2}, which had not voted, chose y; ballot 2 ran with {0, 1}, saw
	// x at 0 and y at 1, and proposes y, the highest.
	overtaken = func() Abstract {
		a := state([]int{2, 2, 1}, []int{0, 1, 1}, []paxos.Value{x, y, y},
			m1b(0, 0, -1, none), m2a(0, x), m2b(0, 0, x),
			m1b(1, 1, -1, none), m1b(2, 1, -1, none), m2a(1, y), m2b(1, 1, y), m2b(2, 1, y),
			m1b(0, 2, 0, x), m1b(1, 2, 1, y), m2a(2, y))
		a.Learned = []paxos.Value{y}
		return a
	}()
	goodStates = map[string]Abstract{"initial": initial, "chosen x": chosenX, "overtaken": overtaken}
)

type tcase struct {
	name string
	a    Abstract
	want string // substring of the error; "" means the invariant holds
}

// TestInvariants shows, for each invariant, states where it holds and
// states where it fails with a detail naming acceptors, ballots and values.
func TestInvariants(t *testing.T) {
	tables := map[string][]tcase{
		"TypeOK": {
			{"no acceptors", Abstract{}, "0 acceptors"},
			{"short maxVBal", with(chosenX, func(a *Abstract) { a.MaxVBal = a.MaxVBal[:2] }), "maxVBal has 2 entries for 3 acceptors"},
			{"short maxVal", with(chosenX, func(a *Abstract) { a.MaxVal = nil }), "maxVal has 0 entries"},
			{"maxBal below -1", with(chosenX, func(a *Abstract) { a.MaxBal[2] = -2 }), "acceptor 2 has maxBal=-2"},
			{"maxVBal below -1", with(chosenX, func(a *Abstract) { a.MaxVBal[2] = -3 }), "acceptor 2 has maxVBal=-3"},
			{"unknown type", with(chosenX, add(Msg{Type: "3a", Acc: -1, MBal: -1})), `unknown type "3a"`},
			{"1b sender out of range", with(chosenX, add(m1b(3, 1, -1, none))), "sender acceptor 3 is not in 0..2"},
			{"2b sender missing", with(chosenX, add(m2b(-1, 0, x))), "sender acceptor -1"},
			{"2a with a sender", with(chosenX, add(Msg{Type: "2a", Acc: 1, Bal: 1, MBal: -1, Val: x})), "got acc=1"},
			{"negative ballot", with(chosenX, add(m2a(-1, x))), "ballot -1 is not a natural"},
			{"1b value without ballot", with(chosenX, add(m1b(2, 1, -1, x))), "mbal=-1 with mval=x"},
			{"1b ballot without value", with(chosenX, add(m1b(2, 1, 0, none))), "mbal=0 with mval=None"},
			{"1b mbal below -1", with(chosenX, add(m1b(2, 1, -2, x))), "mbal=-2"},
			{"1b with a val", with(chosenX, add(Msg{Type: "1b", Acc: 2, Bal: 1, MBal: -1, Val: x})), "a 1b has no val"},
			{"2a without value", with(chosenX, add(m2a(1, none))), "2a must carry a value"},
			{"2b without value", with(chosenX, add(m2b(2, 0, none))), "2b must carry a value"},
			{"2b with mbal", with(chosenX, add(Msg{Type: "2b", Acc: 2, Bal: 0, MBal: 0, Val: x})), "no mbal/mval"},
			{"proposed None", with(chosenX, func(a *Abstract) { a.Proposed = append(a.Proposed, none) }), "proposed holds the None value"},
			{"learned None", with(chosenX, func(a *Abstract) { a.Learned = append(a.Learned, none) }), "learned holds the None value"},
			{"1a is a spec message", with(chosenX, add(Msg{Type: "1a", Acc: -1, Bal: 1, MBal: -1})), ""},
		},
		"AccInv": {
			{"vote above promise", with(chosenX, func(a *Abstract) { a.MaxBal[1] = -1 }), "acceptor 1 has maxVBal=0 above maxBal=none"},
			{"value without ballot", with(chosenX, func(a *Abstract) { a.MaxVal[2] = y }), "acceptor 2 has maxVBal=-1 with maxVal=y"},
			{"ballot without value", with(chosenX, func(a *Abstract) { a.MaxVBal[2] = 0 }), "acceptor 2 has maxVBal=0 with maxVal=None"},
			{"vote never announced", with(chosenX, func(a *Abstract) { a.MaxVBal[2], a.MaxVal[2] = 0, x }),
				"acceptor 2 holds vote b=0 v=x but never sent 2b(a=2 b=0 v=x)"},
			{"forgotten vote", with(chosenX, func(a *Abstract) { a.MaxVBal[1], a.MaxVal[1] = -1, none }),
				"acceptor 1 sent 2b b=0 v=x but its maxVBal is none: it forgot a vote"},
		},
		"Msg1bInv": {
			{"forgotten promise", with(overtaken, func(a *Abstract) { a.MaxBal[0] = 1 }), "acceptor 0 sent 1b b=2 but its maxBal is 1: it forgot a promise"},
			{"reported vote never cast", with(overtaken, add(m1b(2, 1, 0, x))),
				"acceptor 2 reported vote b=0 v=x in its 1b b=1 but never sent 2b(a=2 b=0 v=x)"},
		},
		"Msg2aInv": {
			{"skip-prepare", with(initial, add(m2a(1, x))), "2a b=1 v=x is not safe at b=1: at ballot 0 only acceptors {} voted x"},
			{"overwrites a chosen value", with(chosenX, func(a *Abstract) {
				a.MaxBal = []int{1, 1, 1}
				a.Msgs = append(a.Msgs, m1b(1, 1, 0, x), m1b(2, 1, -1, none), m2a(1, y))
			}), "2a b=1 v=y is not safe at b=1: at ballot 0 only acceptors {2} voted y or promised above 0 without voting in 0 (need 2 of 3)"},
			{"pick-lowest-promised-value", with(overtaken, func(a *Abstract) {
				a.MaxBal[2] = 1 // acceptor 2 has not promised 3: it may still vote in 1... and did
				a.MaxBal[0], a.MaxBal[1] = 3, 3
				a.Msgs = append(a.Msgs, m1b(0, 3, 0, x), m1b(1, 3, 1, y), m2a(3, x))
			}), "2a b=3 v=x is not safe at b=3: at ballot 1 only acceptors {0} voted x"},
		},
		"Msg2bInv": {
			{"vote above promise", with(chosenX, func(a *Abstract) { a.MaxBal[1] = -1 }), "acceptor 1 voted b=0 v=x but its maxBal is none"},
			{"vote without 2a", with(chosenX, add(m2b(2, 0, y))), "acceptors {2} voted b=0 v=y but no 2a(b=0 v=y) was sent"},
		},
		"PromiseKept": {
			{"accept-below-promise", with(chosenX, func(a *Abstract) {
				a.MaxBal[2] = 1
				a.Msgs = append(a.Msgs, m1b(2, 1, -1, none), m2b(2, 0, x))
			}), "acceptor 2 voted b=0 v=x but promised b=1 in a 1b reporting its latest vote as b=none"},
			{"reported the wrong value", with(overtaken, add(m1b(2, 2, 1, x))), "acceptor 2 voted b=1 v=y but its 1b b=2 reported v=x for that ballot"},
		},
		"OneValuePerBallot": {
			{"two 2a", with(chosenX, add(m2a(0, y))), "two 2a of ballot 0: v=x and v=y"},
			{"two votes", with(chosenX, add(m2b(2, 0, y))), "two votes in ballot 0: acceptor 0 voted v=x, acceptor 2 voted v=y"},
			{"same value twice", with(chosenX, add(m2b(2, 0, x))), ""},
		},
		"VotesSafe": {
			{"vote for an unsafe value", with(chosenX, func(a *Abstract) {
				a.MaxBal[2] = 1
				a.Msgs = append(a.Msgs, m2a(1, y), m2b(2, 1, y))
			}), "the vote of acceptors {2} for b=1 v=y is not safe at b=1: at ballot 0 only acceptors {2} voted y"},
		},
		"Agreement": {
			{"two values chosen", with(chosenX, func(a *Abstract) {
				a.MaxBal = []int{0, 1, 1}
				a.Msgs = append(a.Msgs, m2a(1, y), m2b(1, 1, y), m2b(2, 1, y))
			}), "two values chosen: x at b=0 by acceptors {0,1}, y at b=1 by acceptors {1,2}"},
			{"halves are not majorities", func() Abstract {
				a := state([]int{0, 0, 1, 1}, []int{0, 0, 1, 1}, []paxos.Value{x, x, y, y},
					m2a(0, x), m2b(0, 0, x), m2b(1, 0, x), m2a(1, y), m2b(2, 1, y), m2b(3, 1, y))
				return a
			}(), ""},
		},
		"Validity": {
			{"chosen but not proposed", with(chosenX, func(a *Abstract) { a.Proposed = []paxos.Value{y} }),
				"x chosen at b=0 by acceptors {0,1} but never proposed (proposed: [y])"},
			{"proposed but not chosen", with(overtaken, func(a *Abstract) { a.Proposed = []paxos.Value{y} }), ""},
		},
		"LearnedChosen": {
			{"learned a minority vote", with(overtaken, func(a *Abstract) { a.Learned = []paxos.Value{x, y} }),
				"learned x but it is not chosen: at most 1 of 3 acceptors voted for it (at b=0), 2 needed"},
			{"learned what nobody voted", with(initial, func(a *Abstract) { a.Learned = []paxos.Value{y} }), "learned y but no acceptor voted for it"},
		},
	}
	if len(tables) != len(All) {
		t.Errorf("%d tables for %d invariants", len(tables), len(All))
	}
	for _, inv := range All {
		cases := tables[inv.Name]
		fails := 0
		for name, a := range goodStates {
			cases = append(cases, tcase{name: "reachable " + name, a: a})
		}
		for _, c := range cases {
			if c.want != "" {
				fails++
			}
			t.Run(inv.Name+"/"+c.name, func(t *testing.T) {
				err := inv.Check(&c.a)
				switch {
				case c.want == "" && err != nil:
					t.Fatalf("want it to hold, got %v", err)
				case c.want != "" && err == nil:
					t.Fatalf("want a violation containing %q, got none", c.want)
				case c.want != "" && !strings.Contains(err.Error(), c.want):
					t.Fatalf("violation %q\nwant it to contain %q", err, c.want)
				}
			})
		}
		if fails == 0 {
			t.Errorf("%s: no case where it fails", inv.Name)
		}
	}
}

// TestMalformed shows that the invariants after TypeOK report a state they
// cannot index as ErrMalformed instead of panicking.
func TestMalformed(t *testing.T) {
	bad := with(chosenX, func(a *Abstract) { a.MaxBal = a.MaxBal[:1] })
	for _, inv := range All[1:] {
		if inv.Name == "OneValuePerBallot" {
			continue // reads msgs only
		}
		if err := inv.Check(&bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: got %v, want ErrMalformed", inv.Name, err)
		}
	}
	// Out-of-range senders are TypeOK's to report; the others skip them.
	odd := with(chosenX, add(m2b(7, 0, x), m1b(9, 0, -1, none)))
	if v := Check(&odd, 3); v == nil || v.Invariant != "TypeOK" || v.Step != 3 {
		t.Fatalf("Check = %v, want TypeOK after step 3", v)
	}
	for _, inv := range All[1:] {
		if err := inv.Check(&odd); err != nil {
			t.Errorf("%s: %v", inv.Name, err)
		}
	}
}

func TestCheckReportsFirstViolation(t *testing.T) {
	a := with(chosenX, func(a *Abstract) { a.Proposed = nil; a.Learned = []paxos.Value{y} })
	v := Check(&a, 7)
	if v == nil || v.Invariant != "Validity" {
		t.Fatalf("Check = %v, want Validity first", v)
	}
	want := "Validity violated after step 7: x chosen at b=0 by acceptors {0,1} but never proposed (proposed: [])"
	if v.Error() != want {
		t.Fatalf("Error() = %q\nwant %q", v.Error(), want)
	}
	for name, g := range goodStates {
		if v := Check(&g, 0); v != nil {
			t.Errorf("%s: %v", name, v)
		}
	}
}

func TestHelpers(t *testing.T) {
	tests := []struct {
		name   string
		a      Abstract
		chosen []paxos.Value
		safeY1 bool // SafeAt(1, y)
	}{
		{"initial", initial, nil, false},
		{"chosen x", chosenX, []paxos.Value{x}, false},
		{"overtaken", overtaken, []paxos.Value{y}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Chosen(&tc.a); !slices.Equal(got, tc.chosen) {
				t.Errorf("Chosen = %v, want %v", got, tc.chosen)
			}
			if got := AnyChosen(&tc.a); got != (len(tc.chosen) > 0) {
				t.Errorf("AnyChosen = %v", got)
			}
			if got := SafeAt(&tc.a, 1, y); got != tc.safeY1 {
				t.Errorf("SafeAt(1, y) = %v, want %v", got, tc.safeY1)
			}
			if !SafeAt(&tc.a, 0, y) {
				t.Error("every value is safe at ballot 0")
			}
		})
	}
	if got := Majority(4); got != 3 {
		t.Errorf("Majority(4) = %d", got)
	}
}

func BenchmarkCheck(b *testing.B) {
	for name, a := range map[string]Abstract{"chosen": chosenX, "overtaken": overtaken} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if v := Check(&a, 0); v != nil {
					b.Fatal(v)
				}
			}
		})
	}
}

// TestBallotText: with the number of proposers known (FromWorld), a
// message writes ballots as the code and the diagrams do (round.proposer),
// with the spec's number in brackets where a safety check failed; without
// it (a TLC state), as the spec's number; "none" for the spec's -1.
func TestBallotText(t *testing.T) {
	a := with(chosenX, func(a *Abstract) { a.Proposed = nil })
	a.NumProposers = 2
	want := "x chosen at b=1.0 by acceptors {0,1} but never proposed (proposed: [])"
	if err := Validity(&a); err == nil || err.Error() != want {
		t.Errorf("Validity = %v, want %q", err, want)
	}
	for b, want := range map[int]string{-1: "none", 0: "1.0", 1: "1.1", 2: "2.0", 5: "3.1"} {
		if got := a.bal(b); got != want {
			t.Errorf("bal(%d) with 2 proposers = %q, want %q", b, got, want)
		}
	}
	if got := a.ballotSpec(5); got != "3.1 [spec 5]" {
		t.Errorf("ballotSpec(5) = %q", got)
	}
	a.NumProposers = 0
	if got, want := a.bal(5), "5"; got != want {
		t.Errorf("bal(5) without proposers = %q, want %q", got, want)
	}
}
