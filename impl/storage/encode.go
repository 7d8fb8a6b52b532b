package storage

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"

	"github.com/paxoscheck/paxoscheck/impl/paxos"
)

// Format constants of the file layout described in the package comment.
const (
	// Magic opens every stored state.
	Magic = "PXDS"
	// Version is the format version this code writes and reads.
	Version = 1

	headerLen  = len(Magic) + 1 + 4
	crcLen     = 4
	payloadMin = 5 + 5 + 4 + 4 // two ballots, Round, len(MaxVal)

	// MaxValueLen bounds len(MaxVal), so that a corrupt length can never
	// ask for a huge allocation and every saved state can be loaded.
	MaxValueLen = 1 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Encode returns the canonical file image of d: equal states, and only
// equal states, have equal images. It fails only when MaxVal is longer than
// MaxValueLen.
func Encode(d paxos.Durable) ([]byte, error) {
	if len(d.MaxVal) > MaxValueLen {
		return nil, fmt.Errorf("storage: MaxVal is %d bytes, at most %d supported", len(d.MaxVal), MaxValueLen)
	}
	n := payloadMin + len(d.MaxVal)
	buf := make([]byte, 0, headerLen+n+crcLen)
	buf = append(buf, Magic...)
	buf = append(buf, Version)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(n))
	buf = appendBallot(buf, d.MaxBal)
	buf = appendBallot(buf, d.MaxVBal)
	buf = binary.LittleEndian.AppendUint32(buf, d.Round)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(d.MaxVal)))
	buf = append(buf, d.MaxVal...)
	return binary.LittleEndian.AppendUint32(buf, crc32.Checksum(buf, castagnoli)), nil
}

func appendBallot(buf []byte, b paxos.Ballot) []byte {
	buf = binary.LittleEndian.AppendUint32(buf, b.Round)
	return append(buf, b.Proposer)
}

// Decode is the inverse of Encode. Any image that Encode did not produce
// is an error wrapping ErrCorrupt (or ErrVersion for an intact image of an
// unknown version); the checks run from the cheapest to the most specific,
// so the error names the first thing wrong.
func Decode(b []byte) (paxos.Durable, error) {
	var d paxos.Durable
	if len(b) < headerLen+crcLen {
		return d, fmt.Errorf("%w: %d bytes, shorter than header and checksum (%d)", ErrCorrupt, len(b), headerLen+crcLen)
	}
	if string(b[:len(Magic)]) != Magic {
		return d, fmt.Errorf("%w: bad magic %q", ErrCorrupt, b[:len(Magic)])
	}
	n := binary.LittleEndian.Uint32(b[len(Magic)+1:])
	if want := uint64(headerLen) + uint64(n) + crcLen; uint64(len(b)) != want {
		return d, fmt.Errorf("%w: %d bytes, header says %d (torn or extended write)", ErrCorrupt, len(b), want)
	}
	body, sum := b[:len(b)-crcLen], binary.LittleEndian.Uint32(b[len(b)-crcLen:])
	if got := crc32.Checksum(body, castagnoli); got != sum {
		return d, fmt.Errorf("%w: checksum %#08x, stored %#08x", ErrCorrupt, got, sum)
	}
	if v := b[len(Magic)]; v != Version {
		return d, fmt.Errorf("%w: version %d, this program reads %d", ErrVersion, v, Version)
	}
	p := body[headerLen:]
	if len(p) < payloadMin {
		return d, fmt.Errorf("%w: payload %d bytes, at least %d needed", ErrCorrupt, len(p), payloadMin)
	}
	d.MaxBal = readBallot(p[0:5])
	d.MaxVBal = readBallot(p[5:10])
	d.Round = binary.LittleEndian.Uint32(p[10:14])
	vl := binary.LittleEndian.Uint32(p[14:18])
	if uint64(vl) != uint64(len(p)-payloadMin) || vl > MaxValueLen {
		return paxos.Durable{}, fmt.Errorf("%w: value length %d does not fit payload of %d bytes", ErrCorrupt, vl, len(p))
	}
	d.MaxVal = paxos.Value(p[payloadMin:])
	return d, nil
}

func readBallot(p []byte) paxos.Ballot {
	return paxos.Ballot{Round: binary.LittleEndian.Uint32(p), Proposer: p[4]}
}
