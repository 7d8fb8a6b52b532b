package daemon

import (
	"errors"
	"testing"

	"github.com/paxoscheck/paxoscheck/impl/ballot"
	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
)

// TestPeerMessage: the message of an envelope comes back whole; a payload
// cut short, or with bytes after its message, is a malformed envelope.
func TestPeerMessage(t *testing.T) {
	m := mp.Message{Type: mp.Msg1b, From: 1, To: 4, Bal: ballot.Ballot{Round: 2, Proposer: 4}, Slot: 3}
	e := envelope{Lamport: 9, ID: 77, Msg: m}
	b := e.append(nil)
	got, err := PeerMessage(b)
	if err != nil || got.Type != m.Type || got.From != m.From || got.To != m.To || got.Bal != m.Bal || got.Slot != m.Slot {
		t.Fatalf("PeerMessage = %+v, %v; want %+v", got, err, m)
	}
	for name, bad := range map[string][]byte{"empty": nil, "cut": b[:len(b)-1], "trailing": append(b[:len(b):len(b)], 0)} {
		if _, err := PeerMessage(bad); !errors.Is(err, errEnvelope) {
			t.Errorf("%s: PeerMessage = %v, want a malformed envelope", name, err)
		}
	}
}
