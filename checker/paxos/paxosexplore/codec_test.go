package paxosexplore

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"pgregory.net/rapid"
)

// walkSetup is a small cluster with every kind of action enabled.
func walkSetup() world.Setup {
	s := world.NewSetup(3, 2, 2, 3)
	s.MaxRound = 3
	s.Budget = world.Budget{Drops: 2, Dups: 2, Crashes: 2}
	s.MidStepCrash = true
	return s
}

// drawSetup is walkSetup on the multiset or (drawn) the set network, and
// its codec.
func drawSetup(t *rapid.T) (world.Setup, *codec) {
	s := walkSetup()
	if rapid.Bool().Draw(t, "set") {
		s.SetNetwork = true
		s.Budget.Drops, s.Budget.Dups = 0, 0
	}
	c, err := newCodec(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

// randomState walks the state graph at random (rapid draws every choice,
// so a failure shrinks to a short walk and prints its seed).
func randomState(t *rapid.T, s *world.Setup) world.State {
	st, err := world.Init(s)
	if err != nil {
		t.Fatal(err)
	}
	steps := rapid.IntRange(0, 40).Draw(t, "steps")
	var acts []world.Action
	for i := 0; i < steps; i++ {
		acts = st.Actions(s, acts[:0])
		if len(acts) == 0 {
			break
		}
		a := acts[rapid.IntRange(0, len(acts)-1).Draw(t, "action")]
		if _, err := st.Apply(s, a); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
	}
	return st
}

// TestCodecRoundTrip: decoding the identity encoding gives the state back,
// so the frontier loses nothing.
func TestCodecRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s, c := drawSetup(t)
		st := randomState(t, &s)
		var back world.State
		if err := c.dec.Decode(st.AppendBinary(&s, nil), &back); err != nil {
			t.Fatal(err)
		}
		// An empty list decodes as nil: the same state.
		if d := cmp.Diff(st, back, cmpopts.EquateEmpty()); d != "" {
			t.Fatalf("round trip changed the state (-want +got):\n%s", d)
		}
	})
}

// TestCodecRejectsCorrupt: a truncated or padded encoding is an error.
func TestCodecRejectsCorrupt(t *testing.T) {
	s := walkSetup()
	c, _ := newCodec(&s)
	st, _ := world.Init(&s)
	enc := st.AppendBinary(&s, nil)
	var back world.State
	for name, b := range map[string][]byte{"truncated": enc[:len(enc)-1], "padded": append(enc, 0), "empty": nil} {
		if err := c.dec.Decode(b, &back); err == nil {
			t.Errorf("%s encoding decoded without error", name)
		}
	}
}

// TestFingerprintSymmetry: a state and its image under any permutation of
// acceptors get the same fingerprint with symmetry, and (for a state whose
// acceptors differ) different ones without.
func TestFingerprintSymmetry(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := walkSetup()
		c, _ := newCodec(&s)
		perms := allPerms(3)
		sym := fingerprinter{c: c, h: hintSymmetry}
		st := randomState(t, &s)
		p := perms[rapid.IntRange(0, len(perms)-1).Draw(t, "perm")]
		img := permuteState(&s, &st, p.fwd)
		if a, b := sym.fingerprint(&st), sym.fingerprint(&img); a != b {
			t.Fatalf("perm %v: fingerprints %x and %x differ", p.fwd, a, b)
		}
	})
}

// TestFingerprintSeparates: distinct states of a walk get distinct
// fingerprints without symmetry, and symmetry merges some of them (the
// check can find something).
func TestFingerprintSeparates(t *testing.T) {
	s := walkSetup()
	c, _ := newCodec(&s)
	st, _ := world.Init(&s)
	// Acceptor 0 and acceptor 1 each get one 1a: mirror states.
	p := s.Config.Proposers[0]
	for _, a := range []world.Action{{Kind: world.ActInvoke, Node: p, Client: 0}, {Kind: world.ActTimeout, Node: p}} {
		if _, err := st.Apply(&s, a); err != nil {
			t.Fatal(err)
		}
	}
	deliver := func(to paxos.NodeID) world.State {
		x := st.Clone()
		for _, m := range x.Net {
			if m.To == to {
				if _, err := x.Apply(&s, world.Action{Kind: world.ActDeliver, Node: to, Msg: m}); err != nil {
					t.Fatal(err)
				}
				return x
			}
		}
		t.Fatalf("no message to %d", to)
		return x
	}
	a, b := deliver(0), deliver(1)
	plain := fingerprinter{c: c}
	sym := fingerprinter{c: c, h: hintSymmetry}
	if plain.fingerprint(&a) == plain.fingerprint(&b) {
		t.Error("without symmetry, mirror states share a fingerprint")
	}
	if sym.fingerprint(&a) != sym.fingerprint(&b) {
		t.Error("with symmetry, mirror states have different fingerprints")
	}
}
