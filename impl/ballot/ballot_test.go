package ballot

import (
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func bal(round uint32, proposer uint8) Ballot { return Ballot{Round: round, Proposer: proposer} }

func genBallot() *rapid.Generator[Ballot] {
	return rapid.Custom(func(t *rapid.T) Ballot {
		if rapid.IntRange(0, 9).Draw(t, "zero") == 0 {
			return Ballot{}
		}
		return Ballot{Round: rapid.Uint32Range(1, 6).Draw(t, "round"), Proposer: rapid.Uint8Range(0, 3).Draw(t, "proposer")}
	})
}

func TestParse(t *testing.T) {
	cases := []struct {
		name, in string
		want     Ballot
		ok       bool
	}{
		{"none", "-", Ballot{}, true},
		{"first", "1.0", bal(1, 0), true},
		{"large", "4294967295.255", bal(^uint32(0), 255), true},
		{"empty", "", Ballot{}, false},
		{"round only", "1", Ballot{}, false},
		{"round zero", "0.0", Ballot{}, false},
		{"no proposer", "1.", Ballot{}, false},
		{"no round", ".1", Ballot{}, false},
		{"letters", "a.b", Ballot{}, false},
		{"proposer overflows uint8", "1.256", Ballot{}, false},
		{"round overflows uint32", "4294967296.0", Ballot{}, false},
		{"negative", "-1.0", Ballot{}, false},
		{"signed", "+1.0", Ballot{}, false},
		{"three parts", "1.0.0", Ballot{}, false},
		{"space", " 1.0", Ballot{}, false},
		{"double dash", "--", Ballot{}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.in)
			if !tc.ok {
				if err == nil || !strings.Contains(err.Error(), "bad ballot") {
					t.Fatalf("Parse(%q) = %v, %v; want a bad-ballot error", tc.in, got, err)
				}
				var b Ballot
				if err := b.UnmarshalText([]byte(tc.in)); err == nil {
					t.Fatalf("UnmarshalText(%q) succeeded", tc.in)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Parse(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}

// wideBallot draws from the whole range, for text round trips.
func wideBallot() *rapid.Generator[Ballot] {
	return rapid.Custom(func(t *rapid.T) Ballot {
		if rapid.Bool().Draw(t, "zero") {
			return Ballot{}
		}
		return Ballot{Round: rapid.Uint32Min(1).Draw(t, "round"), Proposer: rapid.Uint8().Draw(t, "proposer")}
	})
}

func TestBallotTextRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := wideBallot().Draw(t, "b")
		got, err := Parse(b.String())
		if err != nil || got != b {
			t.Fatalf("Parse(%q) = %v, %v", b.String(), got, err)
		}
		txt, err := b.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Ballot
		if err := back.UnmarshalText(txt); err != nil || back != b {
			t.Fatalf("UnmarshalText(%q) = %v, %v", txt, back, err)
		}
	})
}

// TestBallotOrder: Less is a strict total order with the zero Ballot at the
// bottom, and Compare and Max agree with it.
func TestBallotOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b, c := genBallot().Draw(t, "a"), genBallot().Draw(t, "b"), genBallot().Draw(t, "c")
		n := 0
		for _, x := range []bool{a.Less(b), b.Less(a), a == b} {
			if x {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("trichotomy fails for %v, %v", a, b)
		}
		if a.Less(a) {
			t.Fatalf("%v < itself", a)
		}
		if a.Less(b) && b.Less(c) && !a.Less(c) {
			t.Fatalf("not transitive: %v < %v < %v", a, b, c)
		}
		want := 0
		if a.Less(b) {
			want = -1
		} else if b.Less(a) {
			want = 1
		}
		if got := a.Compare(b); got != want {
			t.Fatalf("Compare(%v, %v) = %d, want %d", a, b, got, want)
		}
		if m := Max(a, b); m != a && m != b || m.Less(a) || m.Less(b) {
			t.Fatalf("Max(%v, %v) = %v", a, b, m)
		}
		if a.IsZero() != (a == Ballot{}) {
			t.Fatalf("IsZero(%v) wrong", a)
		}
		if !a.IsZero() && !(Ballot{}).Less(a) {
			t.Fatalf("zero ballot not below %v", a)
		}
	})
}

// TestBinaryRoundTrip: At reads back what AppendBinary wrote, at both of
// its widths, and refuses what it did not write.
func TestBinaryRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := wideBallot().Draw(t, "b")
		enc := b.AppendBinary([]byte{9})[1:]
		got, rest, ok := At(append(enc, 7))
		if !ok || got != b || len(rest) != 1 || rest[0] != 7 {
			t.Fatalf("At(%x) = %v, %x, %v; want %v", enc, got, rest, ok, b)
		}
		if _, _, ok := At(enc[:len(enc)-1]); ok {
			t.Fatalf("At read a cut-short %x", enc)
		}
	})
}

func TestFromSpec(t *testing.T) {
	for _, np := range []int{1, 2, 3} {
		for r := uint32(1); r <= 4; r++ {
			for p := 0; p < np; p++ {
				b := Ballot{Round: r, Proposer: uint8(p)}
				if got := FromSpec(b.Spec(np), np); got != b {
					t.Errorf("FromSpec(%d, %d) = %v, want %v", b.Spec(np), np, got, b)
				}
			}
		}
		if got := FromSpec(-1, np); !got.IsZero() {
			t.Errorf("FromSpec(-1, %d) = %v, want none", np, got)
		}
	}
}
