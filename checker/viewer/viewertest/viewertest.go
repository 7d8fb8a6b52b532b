// Package viewertest holds the checks every protocol's view tests make of
// a viewer page (checker/viewer).
package viewertest

import (
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/viewer"
)

// StepLanes checks step v of a page against what its trace step did: its
// client exchanges (requests and replies, in order) and the id of the
// message it consumed (0: none).
func StepLanes(t testing.TB, v viewer.StepView, step int, action string, want []viewer.ClientMsg, wantMsg int) {
	t.Helper()
	if len(v.Client) != len(want) {
		t.Errorf("step %d (%s): client exchanges %+v, want %+v", step, action, v.Client, want)
	} else {
		for j := range want {
			if v.Client[j] != want[j] {
				t.Errorf("step %d (%s): client exchange %+v, want %+v", step, action, v.Client[j], want[j])
			}
		}
	}
	if v.Msg != wantMsg {
		t.Errorf("step %d (%s): consumed #%d, want #%d", step, action, v.Msg, wantMsg)
	}
}
