package explore

import (
	"slices"

	"github.com/paxoscheck/paxoscheck/checker/world"
)

// symmetric reports whether acceptors are interchangeable in s: there are
// at least two, and every acceptor may crash, or none may (a Crashable list
// naming only some of them tells them apart). The fingerprint (hash.go)
// then merges a state with its images under every permutation of acceptors
// at no extra cost, whatever their number.
func symmetric(s *world.Setup) bool {
	n := len(s.Config.Acceptors)
	if n < 2 || s.Crashable == nil {
		return n >= 2
	}
	k := 0
	for _, id := range s.Config.Acceptors {
		if slices.Contains(s.Crashable, id) {
			k++
		}
	}
	return k == 0 || k == n
}
