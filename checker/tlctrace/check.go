package tlctrace

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/paxoscheck/paxoscheck/checker/invariant"
)

// ErrUnknownInvariant is wrapped when a name has no Go twin in
// invariant.All.
var ErrUnknownInvariant = errors.New("no Go twin in invariant.All")

// cfgKeywords are the section keywords of a TLC cfg; an INVARIANT(S)
// section runs until the next keyword.
var cfgKeywords = map[string]bool{
	"CONSTANT": true, "CONSTANTS": true, "INIT": true, "NEXT": true, "SPECIFICATION": true,
	"INVARIANT": true, "INVARIANTS": true, "PROPERTY": true, "PROPERTIES": true,
	"SYMMETRY": true, "VIEW": true, "CONSTRAINT": true, "CONSTRAINTS": true,
	"ACTION_CONSTRAINT": true, "ACTION_CONSTRAINTS": true, "CHECK_DEADLOCK": true,
	"POSTCONDITION": true, "ALIAS": true,
}

var (
	cfgLineComment  = regexp.MustCompile(`\\\*[^\n]*`)
	cfgBlockComment = regexp.MustCompile(`(?s)\(\*.*?\*\)`)
)

// CfgInvariants returns the names in the INVARIANT and INVARIANTS sections
// of a TLC cfg, in order: the invariants TLC checks, in the order it checks
// them (so the first one a state breaks is the one TLC reports).
func CfgInvariants(cfg string) []string {
	cfg = cfgBlockComment.ReplaceAllString(cfg, " ")
	cfg = cfgLineComment.ReplaceAllString(cfg, " ")
	var out []string
	in := false
	for _, tok := range strings.FieldsFunc(cfg, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == ','
	}) {
		if cfgKeywords[tok] {
			in = tok == "INVARIANT" || tok == "INVARIANTS"
			continue
		}
		if in {
			out = append(out, tok)
		}
	}
	return out
}

// Select returns the Go twins of names, in the order of names.
func Select(names []string) ([]invariant.Invariant, error) {
	out := make([]invariant.Invariant, 0, len(names))
	for _, n := range names {
		found := false
		for _, inv := range invariant.All {
			if inv.Name == n {
				out = append(out, inv)
				found = true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("invariant %s: %w", n, ErrUnknownInvariant)
		}
	}
	return out, nil
}

// Failing evaluates every invariant of invs on a and returns the names of
// those that fail, in the order of invs, with their details: unlike
// invariant.Check it does not stop at the first, so that a disagreement
// with TLC about which one comes first can be shown in full.
func Failing(a *invariant.Abstract, invs []invariant.Invariant) (names []string, details []string) {
	for _, inv := range invs {
		if err := inv.Check(a); err != nil {
			names = append(names, inv.Name)
			details = append(details, err.Error())
		}
	}
	return names, details
}
