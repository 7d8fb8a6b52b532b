package multipaxos

import (
	"encoding/json"
	"fmt"
)

// The text forms traces use (traces/multipaxostrace): names for
// operations and message types, and a 1b's votes as a
// JSON array.

// MarshalText writes o's name.
func (o Op) MarshalText() ([]byte, error) {
	if o < OpGet || o > OpNoop {
		return nil, fmt.Errorf("unknown operation %d", uint8(o))
	}
	return []byte(o.String()), nil
}

// UnmarshalText reads a name MarshalText wrote.
func (o *Op) UnmarshalText(b []byte) error {
	x, err := ParseOp(string(b))
	*o = x
	return err
}

// MarshalText writes t's name ("1a", ..., "decided").
func (t MsgType) MarshalText() ([]byte, error) {
	if t < Msg1a || t > MsgDecided {
		return nil, fmt.Errorf("unknown message type %d", uint8(t))
	}
	return []byte(t.String()), nil
}

// UnmarshalText reads a name MarshalText wrote.
func (t *MsgType) UnmarshalText(b []byte) error {
	x, err := ParseMsgType(string(b))
	*t = x
	return err
}

// MarshalJSON writes the votes as [{"slot":..,"bal":..,"cmd":..}, ...].
func (l VoteList) MarshalJSON() ([]byte, error) {
	vs, err := l.Votes()
	if err != nil {
		return nil, err
	}
	if vs == nil {
		vs = []SlotVote{}
	}
	return json.Marshal(vs)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (l *VoteList) UnmarshalJSON(b []byte) error {
	var vs []SlotVote
	if err := json.Unmarshal(b, &vs); err != nil {
		return err
	}
	*l = MakeVoteList(vs)
	return nil
}
