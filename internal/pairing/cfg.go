package pairing

import (
	"regexp"
	"strings"
)

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
