package paxos

import (
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func genBallot() *rapid.Generator[Ballot] {
	return rapid.Custom(func(t *rapid.T) Ballot {
		if rapid.IntRange(0, 9).Draw(t, "zero") == 0 {
			return Ballot{}
		}
		return Ballot{Round: rapid.Uint32Range(1, 6).Draw(t, "round"), Proposer: rapid.Uint8Range(0, 3).Draw(t, "proposer")}
	})
}

// TestBallotSpec: for a fixed number of proposers, Spec maps ballots
// (proposer index below that number) strictly monotonically, hence
// injectively, onto the spec's naturals, and the zero Ballot onto -1.
func TestBallotSpec(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := rapid.IntRange(1, MaxProposers).Draw(t, "proposers")
		gen := rapid.Custom(func(t *rapid.T) Ballot {
			if rapid.IntRange(0, 9).Draw(t, "zero") == 0 {
				return Ballot{}
			}
			return Ballot{Round: rapid.Uint32Range(1, 1<<20).Draw(t, "round"), Proposer: uint8(rapid.IntRange(0, p-1).Draw(t, "proposer"))}
		})
		a, b := gen.Draw(t, "a"), gen.Draw(t, "b")
		sa, sb := a.Spec(p), b.Spec(p)
		if a.IsZero() != (sa == -1) || sa < -1 {
			t.Fatalf("%v.Spec(%d) = %d", a, p, sa)
		}
		if a.Less(b) != (sa < sb) {
			t.Fatalf("not monotone: %v.Spec=%d, %v.Spec=%d", a, sa, b, sb)
		}
		if (sa == sb) != (a == b) {
			t.Fatalf("not injective: %v and %v both map to %d", a, b, sa)
		}
	})
	// The first ballots of two proposers are 0 and 1 in the spec.
	if got := bal(1, 0).Spec(2); got != 0 {
		t.Errorf("1.0 -> %d, want 0", got)
	}
	if got := bal(2, 1).Spec(2); got != 3 {
		t.Errorf("2.1 -> %d, want 3", got)
	}
}

func TestMsgType(t *testing.T) {
	for _, tc := range []struct {
		t    MsgType
		name string
	}{{Msg1a, "1a"}, {Msg1b, "1b"}, {Msg2a, "2a"}, {Msg2b, "2b"}, {MsgNack, "nack"}, {MsgDecided, "decided"}} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.t.String() != tc.name {
				t.Fatalf("String = %q", tc.t.String())
			}
			got, err := ParseMsgType(tc.name)
			if err != nil || got != tc.t {
				t.Fatalf("ParseMsgType(%q) = %v, %v", tc.name, got, err)
			}
			txt, err := tc.t.MarshalText()
			if err != nil {
				t.Fatal(err)
			}
			var back MsgType
			if err := back.UnmarshalText(txt); err != nil || back != tc.t {
				t.Fatalf("UnmarshalText(%q) = %v, %v", txt, back, err)
			}
		})
	}
	for _, bad := range []string{"", "1c", "1A", "msg(1)", "NACK", " 1a"} {
		t.Run("parse "+bad, func(t *testing.T) {
			if got, err := ParseMsgType(bad); err == nil {
				t.Fatalf("ParseMsgType(%q) = %v, want an error", bad, got)
			}
			var m MsgType
			if err := m.UnmarshalText([]byte(bad)); err == nil {
				t.Fatalf("UnmarshalText(%q) succeeded", bad)
			}
		})
	}
	for _, bad := range []MsgType{0, MsgDecided + 1, 255} {
		if _, err := bad.MarshalText(); err == nil {
			t.Errorf("MarshalText(%d) succeeded", bad)
		}
		if s := bad.String(); !strings.HasPrefix(s, "msg(") {
			t.Errorf("String(%d) = %q", bad, s)
		}
	}
}

// TestMessageOrder: Less is a strict total order on messages consistent
// with ==, and equal messages (only equal ones) encode equally.
func TestMessageOrder(t *testing.T) {
	gen := rapid.Custom(func(t *rapid.T) Message {
		return Message{
			Type: MsgType(rapid.IntRange(1, 6).Draw(t, "type")),
			From: NodeID(rapid.IntRange(0, 2).Draw(t, "from")),
			To:   NodeID(rapid.IntRange(0, 2).Draw(t, "to")),
			Bal:  genBallot().Draw(t, "bal"),
			VBal: genBallot().Draw(t, "vbal"),
			Val:  Value(rapid.SampledFrom([]string{"", "x", "y"}).Draw(t, "val")),
		}
	})
	rapid.Check(t, func(t *rapid.T) {
		a, b, c := gen.Draw(t, "a"), gen.Draw(t, "b"), gen.Draw(t, "c")
		if a.Less(b) == b.Less(a) && a != b {
			t.Fatalf("not total: %v, %v", a, b)
		}
		if a == b && a.Less(b) {
			t.Fatalf("%v < itself", a)
		}
		if a.Less(b) && b.Less(c) && !a.Less(c) {
			t.Fatalf("not transitive")
		}
		if (string(a.AppendBinary(nil)) == string(b.AppendBinary(nil))) != (a == b) {
			t.Fatalf("encoding not canonical for %v, %v", a, b)
		}
		if a.String() == "" {
			t.Fatal("empty String")
		}
	})
}

func TestMessageString(t *testing.T) {
	cases := []struct {
		m    Message
		want string
	}{
		{msg1a(3, 0, bal(1, 0)), "1a b=1.0"},
		{msg1b(0, 3, bal(2, 0), Ballot{}, ""), "1b b=2.0"},
		{msg1b(0, 3, bal(2, 0), bal(1, 1), "x"), "1b b=2.0 vbal=1.1 v=x"},
		{msg2a(3, 0, bal(2, 0), "x"), "2a b=2.0 v=x"},
		{msg2b(0, 5, bal(2, 0), "x"), "2b b=2.0 v=x"},
		{Message{Type: MsgNack, Bal: bal(3, 1)}, "nack b=3.1"},
		{Message{Type: MsgDecided, Val: "y"}, "decided v=y"},
		{Message{Type: 9}, "msg(9)"},
	}
	for _, tc := range cases {
		if got := tc.m.String(); got != tc.want {
			t.Errorf("String = %q, want %q", got, tc.want)
		}
	}
}
