package daemon

import (
	"encoding/binary"
	"errors"
	"fmt"

	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
)

// A frame's payload between nodes is an envelope around one message:
//
//	uvarint  Lamport clock of the step that sent it
//	uvarint  message id, unique in the cluster (msgID)
//	...      the message, mp.Message.AppendBinary
//
// The clock orders the merged trace causally; the id names the message
// in the sender's part and the receiver's alike.

// errEnvelope is wrapped by every malformed envelope.
var errEnvelope = errors.New("malformed envelope")

type envelope struct {
	Lamport uint64
	ID      uint64
	Msg     mp.Message
}

func (e *envelope) append(b []byte) []byte {
	b = binary.AppendUvarint(b, e.Lamport)
	b = binary.AppendUvarint(b, e.ID)
	return e.Msg.AppendBinary(b)
}

func decodeEnvelope(b []byte) (envelope, error) {
	var e envelope
	var n int
	if e.Lamport, n = binary.Uvarint(b); n <= 0 {
		return e, fmt.Errorf("%w: bad clock", errEnvelope)
	}
	b = b[n:]
	if e.ID, n = binary.Uvarint(b); n <= 0 {
		return e, fmt.Errorf("%w: bad message id", errEnvelope)
	}
	d := mp.Decoder{B: b[n:]}
	e.Msg = d.Message()
	if d.Err == nil && len(d.B) != 0 {
		return e, fmt.Errorf("%w: %d bytes after the message", errEnvelope, len(d.B))
	}
	if d.Err != nil {
		return e, fmt.Errorf("%w: %w", errEnvelope, d.Err)
	}
	return e, nil
}

// PeerMessage is the message that a frame's payload between nodes
// carries: what a harness watching the links (a nemesis proxy) needs in
// order to act at a point of the protocol. A payload that is no envelope
// is an error.
func PeerMessage(payload []byte) (mp.Message, error) {
	e, err := decodeEnvelope(payload)
	return e.Msg, err
}

// Message ids pack the sender, its step's Lamport clock and the
// message's place among the step's sends, so that they are unique in the
// cluster without coordination, also across a node's restarts (its clock
// goes on from its part), and stay below 2^53 for JSON readers.
const (
	idIndexBits   = 12
	idLamportBits = 33
)

func msgID(node mp.NodeID, lamport uint64, k int) (uint64, error) {
	if lamport >= 1<<idLamportBits || k >= 1<<idIndexBits {
		return 0, fmt.Errorf("message id space exhausted (clock %d, message %d of a step)", lamport, k)
	}
	return uint64(node)<<(idLamportBits+idIndexBits) | lamport<<idIndexBits | uint64(k), nil
}
