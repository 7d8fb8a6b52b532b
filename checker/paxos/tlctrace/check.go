package tlctrace

import (
	"errors"
	"fmt"

	"github.com/paxoscheck/paxoscheck/checker/paxos/invariant"
	"github.com/paxoscheck/paxoscheck/internal/pairing"
)

// ErrUnknownInvariant is wrapped when a name has no Go twin in
// invariant.All.
var ErrUnknownInvariant = errors.New("no Go twin in invariant.All")

// CfgInvariants returns the names in the INVARIANT sections of a TLC cfg,
// in the order TLC checks them; see internal/pairing.
func CfgInvariants(cfg string) []string { return pairing.CfgInvariants(cfg) }

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
