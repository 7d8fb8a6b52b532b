package pairing

import (
	"reflect"
	"slices"
	"testing"
)

var side = Side{Spec: "Paxos.tla", Models: "MC", Pkg: "checker/paxos/invariant"}

// synthetic is a pairing where both sides agree.
func synthetic() Pairing {
	return Pairing{
		Cfg:    map[string][]string{"TypeOK": {"MCA.cfg"}, "Agreement": {"MCA.cfg", "MCB.cfg"}},
		GoAll:  []string{"TypeOK", "Agreement"},
		GoFunc: map[string]string{"TypeOK": "TypeOK", "Agreement": "Agreement"},
		Docs: map[string]string{"TypeOK": "TypeOK mirrors spec/Paxos.tla TypeOK.\n", "Agreement": "Agreement mirrors spec/Paxos.tla Agreement.\n\nMore.",
			"SafeAt": "SafeAt reports..."},
		Tags: map[string]string{"TypeOK": "TypeOK", "Agreement": "Agreement"},
	}
}

// TestComparePairing shows that the comparison fails when a name is
// removed on either side, or a doc comment or tag is missing or wrong.
func TestComparePairing(t *testing.T) {
	tests := []struct {
		name   string
		change func(p *Pairing)
		want   []string
	}{
		{"agree", func(*Pairing) {}, nil},
		{"removed from the cfgs", func(p *Pairing) { delete(p.Cfg, "Agreement") },
			[]string{"Go invariant Agreement is checked by no spec/MC*.cfg"}},
		{"removed from All", func(p *Pairing) { p.GoAll = p.GoAll[:1] },
			[]string{"invariant Agreement of MCA.cfg, MCB.cfg has no Go twin in checker/paxos/invariant.All"}},
		{"doc comment missing", func(p *Pairing) { delete(p.Docs, "TypeOK") },
			[]string{"Go invariant TypeOK has no function TypeOK with a doc comment"}},
		{"doc comment wrong", func(p *Pairing) { p.Docs["TypeOK"] = "TypeOK checks types.\n" },
			[]string{`the doc comment of TypeOK does not start "TypeOK mirrors spec/Paxos.tla TypeOK."`}},
		{"All calls the wrong function", func(p *Pairing) { p.GoFunc["Agreement"] = "Validity" },
			[]string{"All names Agreement but calls Validity"}},
		{"tag missing", func(p *Pairing) { delete(p.Tags, "Agreement") },
			[]string{`spec/Paxos.tla has no "\* Go: checker/paxos/invariant.Agreement"`}},
		{"tag on the wrong definition", func(p *Pairing) { p.Tags["Agreement"] = "Chosen" },
			[]string{`in spec/Paxos.tla "\* Go: checker/paxos/invariant.Agreement" precedes the definition of "Chosen"`}},
		{"tag without twin", func(p *Pairing) { p.Tags["Liveness"] = "Liveness" },
			[]string{"spec/Paxos.tla tags checker/paxos/invariant.Liveness, which is no Go invariant"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := synthetic()
			tc.change(&p)
			if got := side.Compare(p); !slices.Equal(got, tc.want) {
				t.Fatalf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestCfgInvariants(t *testing.T) {
	tests := []struct {
		name, cfg string
		want      []string
	}{
		{"one per line", "INVARIANT TypeOK\nINVARIANT Agreement\n", []string{"TypeOK", "Agreement"}},
		{"several on a line", "INVARIANTS TypeOK Agreement\n", []string{"TypeOK", "Agreement"}},
		{"on following lines", "INVARIANTS\n  TypeOK\n  Agreement\nPROPERTY Live\n", []string{"TypeOK", "Agreement"}},
		{"comments", "\\* INVARIANT Old\nINVARIANT (* Gone *) TypeOK \\* trailing\n", []string{"TypeOK"}},
		{"other sections", "CONSTANTS\n a = a\n Q <- MinQ\nSPECIFICATION Spec\nSYMMETRY Sym\nPROPERTY P\n", nil},
		{"after constants", "CONSTANTS a = a\nINVARIANT TypeOK\nCHECK_DEADLOCK FALSE\n", []string{"TypeOK"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CfgInvariants(tc.cfg); !slices.Equal(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestTLATags(t *testing.T) {
	src := "(* box *)\n\\* Go: checker/paxos/invariant.AccInv\nAccInv ==\n  TRUE\n\n\\* Go: checker/paxos/invariant.SafeIt\n\nSafeAt(b, v) == TRUE\n\\* Go: checker/paxos/invariant.Dangling\n"
	want := map[string]string{"AccInv": "AccInv", "SafeIt": "SafeAt", "Dangling": ""}
	if got := side.Tags(src); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}
