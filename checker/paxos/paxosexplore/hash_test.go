package paxosexplore

import (
	"fmt"
	"strings"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"pgregory.net/rapid"
)

// TestIncrementalFingerprint: from a random state, for every enabled
// action, the fingerprint child works out from the change equals the whole
// hash of the successor, with and without symmetry and the dead-state
// reduction, on both networks.
func TestIncrementalFingerprint(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s, c := drawSetup(t)
		f := fingerprinter{c: c, h: hints(rapid.Uint16Range(0, uint16(allHints)).Draw(t, "hints"))}
		st := randomState(t, &s)
		whole := fingerprinter{c: c, h: f.h}
		f.load(&st)
		var ch world.Change
		var built world.State
		for _, a := range st.Actions(&s, nil) {
			if err := st.Peek(&s, a, &ch); err != nil {
				t.Fatalf("%s: %v", a, err)
			}
			fp, _ := f.child(&ch, &built)
			next := st.Clone()
			if _, err := next.Apply(&s, a); err != nil {
				t.Fatalf("%s: %v", a, err)
			}
			if want := whole.fingerprint(&next); fp != want {
				t.Fatalf("%s: worked out %x, whole hash %x", a, fp, want)
			}
		}
	})
}

// TestFingerprintSeesEveryPart: changing any one part of a state (a node,
// its storage, a message in the network or in Sent, a counter) changes its
// fingerprint, with symmetry on.
func TestFingerprintSeesEveryPart(t *testing.T) {
	s := walkSetup()
	c, _ := newCodec(&s)
	f := fingerprinter{c: c, h: hintSymmetry}
	st := randomStateFixed(t, &s)
	base := f.fingerprint(&st)
	edits := map[string]func(x *world.State){
		"acceptor memory":  func(x *world.State) { x.Nodes[1].Mem.MaxBal.Round += 7 },
		"acceptor storage": func(x *world.State) { x.Stored[2].MaxVBal.Round += 7 },
		"proposer promise": func(x *world.State) { x.Nodes[3].Promised ^= 1 },
		"proposer phase":   func(x *world.State) { x.Nodes[3].Phase++ },
		"learner vote":     func(x *world.State) { x.Nodes[5].Votes[0].Bal.Round += 7 },
		"network":          func(x *world.State) { x.Net = append(x.Net, x.Net[0]) },
		"sent":             func(x *world.State) { x.Sent = x.Sent[1:] },
		"counters":         func(x *world.State) { x.Returned[0] ^= 1 },
	}
	for name, edit := range edits {
		x := st.Clone()
		edit(&x)
		if f.fingerprint(&x) == base {
			t.Errorf("%s: the fingerprint did not change", name)
		}
	}
}

// randomStateFixed is a state of walkSetup with messages in the network and
// in Sent, reached by a fixed walk: invoke, time out, deliver the 1a
// messages and the first 1b.
func randomStateFixed(t *testing.T, s *world.Setup) world.State {
	t.Helper()
	st, err := world.Init(s)
	if err != nil {
		t.Fatal(err)
	}
	p := s.Config.Proposers[0]
	step := func(a world.Action) {
		t.Helper()
		if _, err := st.Apply(s, a); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
	}
	step(world.Action{Kind: world.ActInvoke, Node: p, Client: 0})
	step(world.Action{Kind: world.ActTimeout, Node: p})
	for len(st.Net) > 0 && st.Net[0].Type == paxos.Msg1a {
		step(world.Action{Kind: world.ActDeliver, Node: st.Net[0].To, Msg: st.Net[0]})
	}
	if len(st.Net) == 0 || len(st.Sent) == 0 {
		t.Fatal("the walk left no message")
	}
	return st
}

// TestCrossMessage: a message between two acceptors (impl/paxos sends
// none) is flagged, since the acceptor symmetry cannot rename it, and
// without symmetry states that differ in its sender differ in fingerprint.
func TestCrossMessage(t *testing.T) {
	s := walkSetup()
	c, _ := newCodec(&s)
	st, _ := world.Init(&s)
	acc := s.Config.Acceptors
	a, b := st.Clone(), st.Clone()
	a.Net = []paxos.Message{{Type: paxos.Msg1b, From: acc[0], To: acc[2], Bal: paxos.Ballot{Round: 1}}}
	b.Net = []paxos.Message{{Type: paxos.Msg1b, From: acc[1], To: acc[2], Bal: paxos.Ballot{Round: 1}}}
	plain := fingerprinter{c: c}
	if plain.fingerprint(&a) == plain.fingerprint(&b) {
		t.Error("without symmetry, messages from different acceptors share a fingerprint")
	}
	sym := fingerprinter{c: c, h: hintSymmetry}
	sym.fingerprint(&a)
	if sym.cross == nil {
		t.Fatal("a message between two acceptors was not flagged")
	}
	if err := crossErr(sym.cross); !strings.Contains(err.Error(), "from acceptor 0 to acceptor 2") {
		t.Errorf("error %q does not name the message's ends", err)
	}
}

// TestOtherValuesApart: two messages that differ only in a value no client
// proposed (which only code that makes values up sends) hash apart: the
// value's small number is the same for all such values, its whole hash is
// not.
func TestOtherValuesApart(t *testing.T) {
	s := world.DefaultSetup()
	c, err := newCodec(&s)
	if err != nil {
		t.Fatal(err)
	}
	f := fingerprinter{c: c, h: allHints}
	seen := map[uint64]paxos.Value{}
	for i := 0; i < 2000; i++ {
		v := paxos.Value(fmt.Sprintf("made-up-%d", i))
		m := paxos.Message{Type: paxos.Msg2a, From: s.Config.Proposers[0], To: s.Config.Acceptors[0], Bal: paxos.Ballot{Round: 1}, Val: v}
		_, h := f.msgHash(&m, saltNet)
		if o, ok := seen[h]; ok {
			t.Fatalf("2a with %q and with %q hash alike", o, v)
		}
		seen[h] = v
	}
}
