package tlctrace

import (
	"errors"
	"strings"
	"testing"
)

func TestCfgInvariants(t *testing.T) {
	tests := []struct {
		name, cfg string
		want      []string
	}{
		{"one per line", "SPECIFICATION Spec\nINVARIANT A\nINVARIANT B\nPROPERTY P\n", []string{"A", "B"}},
		{"section", "INVARIANTS\n  A\n  B, C\nSYMMETRY S\n", []string{"A", "B", "C"}},
		{"comments", "\\* INVARIANT X\n(* INVARIANT Y *)\nINVARIANT A \\* B\n", []string{"A"}},
		{"none", "SPECIFICATION Spec\nPROPERTY P\n", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CfgInvariants(tc.cfg); strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("CfgInvariants = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSelect(t *testing.T) {
	invs, err := Select([]string{"Agreement", "TypeOK"})
	if err != nil || len(invs) != 2 || invs[0].Name != "Agreement" || invs[1].Name != "TypeOK" {
		t.Fatalf("Select = %v, %v; want Agreement, TypeOK in that order", invs, err)
	}
	if _, err := Select([]string{"TypeOK", "NoSuch"}); !errors.Is(err, ErrUnknownInvariant) {
		t.Fatalf("Select(NoSuch) error %v, want ErrUnknownInvariant", err)
	}
}
